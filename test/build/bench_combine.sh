#!/usr/bin/env bash
# bench_combine.sh - make bench's one JSON line (scripts/bench.sh), on
# stand-in parts: the real ones take a quarter of an hour. A part that
# prints a table and one JSON line, one that prints a JSON line per case,
# one without JSON and one that fails: stdout is one line, a JSON object
# keyed by part in the order given, every part's own output on stderr, and
# exit 1 after all of them ran. Through make: BENCH_PARTS picks the parts,
# each run as "$(MAKE) --no-print-directory PART" (MAKE is the stand-in
# here), and an unknown part is refused naming the known ones. TAP.
set -u
. "$(dirname "$0")/../lib/tap.sh"
cd "$(dirname "$0")/../.."
tap_workdir ducorig-bench-combine
# The caller's make variables must not leak into the makes asked here.
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory "$@"; }

# a stand-in for "make [options] PART": the last word is the part
cat >"$T/part" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"$(dirname "$0")/calls"
for p; do :; done
case $p in
one) echo "digits  cycles"; echo '{"a": 1, "b": [2, 3]}'; echo "# a note" >&2 ;;
cases) echo '{"case": "x", "v": 1}'; echo '{"case": "y", "v": 2}' ;;
none) echo "a table only"; echo "{ not JSON" ;;
fail) echo '{"partial": true}'; exit 3 ;;
asm-bench | bench-fw) echo "{\"part\": \"$p\"}" ;;
*) exit 9 ;;
esac
EOF
chmod +x "$T/part"

# check <stdout file> <python expression on d, the parsed line, and keys>
check() {
	python3 - "$@" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
if len(lines) != 1:
    sys.exit(1)
pairs = json.loads(lines[0], object_pairs_hook=lambda p: p)
d, keys = json.loads(lines[0]), [k for k, _ in pairs]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

scripts/bench.sh --run "$T/part" one cases none fail >"$T/out" 2>"$T/err"
rc=$?
ok $(( rc != 1 )) "a part failed or printed no JSON: exit 1 (got $rc)"
check "$T/out" 'keys == ["one", "cases", "none", "fail"]'
ok $? "stdout is one JSON line keyed by part, in the order given: $(head -c 200 "$T/out")"
check "$T/out" 'd["one"] == {"a": 1, "b": [2, 3]} and d["cases"] == [{"case": "x", "v": 1}, {"case": "y", "v": 2}]'
ok $? "each part's own JSON object; a part with one per case gives their list"
check "$T/out" 'd["none"] == {"error": "no JSON line"} and d["fail"] == {"error": "exit status 3"}'
ok $? "a part without JSON and a failed one are errors in the line"
grep -qx "digits  cycles" "$T/err" && grep -qxF '{"a": 1, "b": [2, 3]}' "$T/err" &&
	grep -qx "# a note" "$T/err" && grep -qx "=== bench: cases" "$T/err" &&
	grep -qx "bench: fail: exit status 3" "$T/err"
ok $? "the parts' tables, own JSON lines and notes on stderr, each part headed"
[ "$(wc -l <"$T/calls")" -eq 4 ]; ok $? "every part ran, the ones after a failure too"

rm -f "$T/calls"
scripts/bench.sh --run "$T/part" cases one >"$T/out2" 2>/dev/null
rc=$?
[ $rc -eq 0 ] && check "$T/out2" 'keys == ["cases", "one"]'
ok $? "every part good: exit 0 and the line ($rc)"

rm -f "$T/calls"
mk bench BENCH_PARTS="bench-fw asm-bench" MAKE="$T/part" >"$T/out3" 2>"$T/err3"
rc=$?
[ $rc -eq 0 ] && check "$T/out3" 'd == {"bench-fw": {"part": "bench-fw"}, "asm-bench": {"part": "asm-bench"}} and keys == ["bench-fw", "asm-bench"]'
ok $? "make bench BENCH_PARTS=\"bench-fw asm-bench\": those two, one line on stdout (exit $rc: $(head -c 200 "$T/out3"))"
[ "$(cat "$T/calls" 2>/dev/null)" = $'--no-print-directory bench-fw\n--no-print-directory asm-bench' ]
ok $? "each part through make, one after the other ($(tr '\n' ';' <"$T/calls" 2>/dev/null))"
rm -f "$T/calls"
out=$(mk bench BENCH_PARTS="bench-fw nope" MAKE="$T/part" 2>&1)
rc=$?
[ $rc -ne 0 ] && grep -q "BENCH_PARTS: nope is not one of .*bench-master" <<<"$out" && [ ! -e "$T/calls" ]
ok $? "an unknown part is refused, naming the known ones, before any part runs ($(head -c 160 <<<"$out"))"
mk help 2>&1 | grep -q "BENCH_PARTS"; ok $? "make help tells of BENCH_PARTS"
tap_done
