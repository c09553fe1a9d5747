#!/usr/bin/env bash
# bench.sh - make bench: the benchmark parts one after the other, ending with
# one JSON line that holds them all.
#
# Usage: scripts/bench.sh [--run CMD] PART...
# Each part is a make goal of BENCH_TARGETS (bench-master, asm-bench, ...,
# in the */module.mk), run as CMD PART (CMD is split into words; default
# "${MAKE:-make} --no-print-directory"), in the order given and never two at
# once: they measure time and CPU. What a part prints goes to stderr as it
# comes, so its table and its own JSON line stay readable; stdout gets one
# line, at the end: a JSON object keyed by part name, in the order given,
# each the JSON object the part printed on stdout (a part that prints one
# per case, such as bench-master-bus's backends, gives the list of them). A
# part that fails or prints no JSON object is {"error": "..."} there, and
# the exit status is 1, once every part has run.
set -u
run=("${MAKE:-make}" --no-print-directory)
if [ "${1:-}" = --run ]; then
	read -r -a run <<<"$2"
	shift 2
fi
[ $# -gt 0 ] || { echo "usage: scripts/bench.sh [--run CMD] PART..." >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ducorig-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# A Python part's lines reach the terminal as it prints them, not at its end.
export PYTHONUNBUFFERED=1

i=0
for part in "$@"; do
	echo "=== bench: $part" >&2
	"${run[@]}" "$part" | tee "$tmp/$i.out" >&2
	echo "${PIPESTATUS[0]}" >"$tmp/$i.rc"
	i=$((i + 1))
done

python3 - "$tmp" "$@" <<'PY'
import json
import sys

tmp, parts = sys.argv[1], sys.argv[2:]
out, failed = {}, False
for i, part in enumerate(parts):
    rc = int(open("%s/%d.rc" % (tmp, i)).read())
    objs = []
    with open("%s/%d.out" % (tmp, i), errors="replace") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                objs.append(obj)
    if rc != 0:
        out[part] = {"error": "exit status %d" % rc}
    elif not objs:
        out[part] = {"error": "no JSON line"}
    else:
        out[part] = objs[0] if len(objs) == 1 else objs
        continue
    failed = True
    print("bench: %s: %s" % (part, out[part]["error"]), file=sys.stderr)
print(json.dumps(out))
sys.exit(1 if failed else 0)
PY
