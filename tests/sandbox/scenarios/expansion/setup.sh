# The seed's expansion: one manifest per item from the template, then one create.
set -euo pipefail
jobs=$(mktemp -d)
trap 'rm -rf "$jobs"' EXIT
for i in apple banana cherry; do
  sed "s/\$ITEM/$i/" templates/job-tmpl.yaml >"$jobs/job-$i.yaml"
done
"$SB_KUBECTL" create -n "$SB_NS" -f "$jobs"
