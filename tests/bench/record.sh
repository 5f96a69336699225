# record_section NAME TITLE BODY: writes "## TITLE" and BODY into
# docs/benchmarks.md between the markers <!-- NAME:begin --> and
# <!-- NAME:end --> (in place of what was there), or appends them. Sourced
# by the benchmark scripts.
record_section() {
  local begin="<!-- $1:begin -->" end="<!-- $1:end -->" doc=docs/benchmarks.md
  local section
  section=$(printf '%s\n## %s\n\n%s\n%s' "$begin" "$2" "$3" "$end")
  if [[ ! -f $doc ]]; then
    printf '# Benchmarks\n\nFigures recorded by the benchmark scripts; each section is rewritten by its script.\n\n' >"$doc"
  fi
  if grep -q "$begin" "$doc"; then
    python3 - "$doc" "$begin" "$end" "$section" <<'PY'
import sys
path, begin, end, section = sys.argv[1:5]
text = open(path).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + section + tail)
PY
  else
    printf '\n%s\n' "$section" >>"$doc"
  fi
  echo "recorded in $doc"
}
