# Shared by the benchmark scripts (sourced).

# record_section DOC NAME SECTION_FILE: replaces what lies between
# <!-- NAME:begin --> and <!-- NAME:end --> in DOC with the file's text
# (markers included), or appends it; creates DOC when missing.
record_section() {
  local doc=$1 name=$2 body=$3
  local begin="<!-- $name:begin -->" end="<!-- $name:end -->"
  local section; section=$(printf '%s\n' "$begin"; cat "$body"; printf '%s' "$end")
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
