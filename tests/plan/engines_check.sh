#!/usr/bin/env bash
# engines_check.sh MMREPLAY CATALOG - every engine the family catalog names
# (a family's engines, hence its baseline and references, and each claim's
# engine) is an engine the binary lists: a renamed or removed engine would
# otherwise only show when the demo reaches that family, minutes in.
set -euo pipefail
listed=$("$1" list engines | awk 'NR > 1 {print $1}')
[ -n "$listed" ] || { echo "engines_check: $1 list engines lists nothing" >&2; exit 1; }
named=$(python3 - "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
names = {e for f in d["families"] for e in f["engines"]} | {c["engine"] for c in d.get("claims", []) if "engine" in c}
print("\n".join(sorted(names)))
PY
)
missing=$(comm -23 <(sort -u <<<"$named") <(sort -u <<<"$listed"))
[ -z "$missing" ] || { echo "engines_check: $2 names engines mmreplay does not list: $(tr '\n' ' ' <<<"$missing")" >&2; exit 1; }
echo "engines_check: all $(wc -l <<<"$named") engines of $2 are listed"
