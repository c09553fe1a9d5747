#!/usr/bin/env bash
# earn.sh - ducomaster's earnings end to end on loopback: the mining key
# check at start through ducopool's /mining_key (wrong key: exit 2 with the
# "mine for nothing" message; key_check=warn mines on; no key on the
# account said so), the balance watch through /users/<user> (the live
# figures in the summary, the metrics file and the job log's "earnings"
# records, compared with the pool's own balance), and the local estimate
# when there is no REST API (a fixed pool). ducopool + ducosim (model
# slaves) + ducomaster, real processes on 127.0.0.1, every child stopped by
# pid. Each run lasts until its log or files show what the checks need
# (with a deadline), then ends by SIGTERM. The master's HTTP side is off
# (--http ""): no check reads it, and its default port 9550 may be taken.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
T=$(mktemp -d "${TMPDIR:-/tmp}/ducomaster-earn.XXXXXX")
KEY=Right1Key DEADLINE=${E2E_DEADLINE:-90}
cleanup() { stop_spawned; [ -n "${KEEP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT

start_pool() {  # start_pool <name> <args...>: POOL_PID POOL_ADDR POOL_HTTP
	local name=$1; shift
	spawn "$B/ducopool" --listen 127.0.0.1:0 --http 127.0.0.1:0 --block-chance 0 --seed 7 \
		--reward-div 100 "$@" >"$T/$name.out" 2>"$T/$name.err"
	POOL_PID=$SPAWNED
	wait_for "$T/$name.out" '^http on' 30 "$POOL_PID"
	POOL_ADDR=$(sed -n 's/^listening on //p' "$T/$name.out")
	POOL_HTTP=$(sed -n 's/^http on //p' "$T/$name.out")
}
start_sim() {  # start_sim <name>: SIM_PID SIM_SOCK, two fast model slaves
	SIM_SOCK=$T/$1.sock
	spawn "$B/ducosim" --socket "$SIM_SOCK" --firmware "$FW" --count 0 --first-addr 0x08 \
		--model-slaves 2 --model-hashrate 2000 >"$T/$1.out" 2>"$T/$1.err"
	SIM_PID=$SPAWNED
	wait_for "$T/$1.out" '^ready' 30 "$SIM_PID"
}
# master <name> <args...>: ducomaster against the current pool and sim
master() {
	local name=$1; shift
	spawn "$B/ducomaster" --http "" --pool "$POOL_ADDR" --bus "sim:$SIM_SOCK" --slaves 0x08,0x09 \
		--user alice --no-table --max-hashrate 3000 --log "$T/$name.log" "$@" >"$T/$name.out" 2>&1
	M_PID=$SPAWNED
}
gone() { ! kill -0 "$1" 2>/dev/null; }

# A roomy AVR tier: the model slaves report their 2000 H/s and share every
# 0.25 s, so the first 10 (unpaid) shares of a connection pass quickly.
echo '{"tiers": [{"name": "AVR", "diff": 10, "max": 100000}]}' >"$T/tiers.json"
start_pool pool --key "alice:$KEY" --key "carol:$KEY" --tiers "$T/tiers.json"
start_sim sim

# --- wrong key -------------------------------------------------------------
master wrong --key Wrong2Key --rest-api "http://$POOL_HTTP"
wait_until "$DEADLINE" gone "$M_PID"
reap_pid "$M_PID"; rc=$?
ok $(( rc != 2 )) "a wrong mining key: exit 2 (got $rc)"
grep -q "mining key: WRONG for account alice: .*would mine for nothing" "$T/wrong.log"
ok $? "the message says the rig would mine for nothing"
! grep -q "Wrong2Key" "$T/wrong.log" "$T/wrong.out"; ok $? "the key itself is never logged"

master warn --user carol --key Wrong2Key --rest-api "http://$POOL_HTTP" --set key_check=warn \
	--joblog "$T/warn.jsonl"
wait_until "$DEADLINE" grep -qs "WRONG for account carol: the rig mines for nothing (key_check=warn)" \
	"$T/warn.log"
ok $? "key_check=warn: the wrong key is an error line ..."
wait_until 20 grep -qs '"verdict":"GOOD"' "$T/warn.jsonl"
kill -0 "$M_PID" 2>/dev/null; ok $? "... and the rig mines on"
stop_pid "$M_PID"; rc=$?
ok $rc "key_check=warn: exit 0 after SIGTERM (got $rc)"

# --- the right key: the balance watch --------------------------------------
JL=$T/job.jsonl MET=$T/metrics.json
master good --key "$KEY" --rest-api "http://$POOL_HTTP" --watch-balance 1 --joblog "$JL" \
	--metrics "$MET" --set reward_div=100
# two answers after paid shares: 2 model slaves x 10 free shares first
earn_rest() {
	python3 - "$JL" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"earnings"' in l]
rest = [r for r in recs if r.get("source") == "rest" and r.get("gained", 0) > 0]
paid = sum(b["paid"] for b in rest[-1]["boards"]) if rest else 0
sys.exit(0 if len(rest) >= 2 and paid >= 20 else 1)
PY
}
wait_until "$DEADLINE" earn_rest; ok $? "job log: earnings records measured over REST (source rest, gained > 0)"
grep -q "mining key: the account's key matches" "$T/good.log"; ok $? "the right key: 'matches'"
kill -USR1 "$M_PID"
wait_until 10 grep -q "earnings (rest): gained" "$T/good.out"
ok $? "the summary shows the measured earnings"
stop_pid "$M_PID"; rc=$?
ok $rc "exit 0 after SIGTERM"
# after the rig stopped: nothing changes the balance any more
bal=$(python3 -c "import json,sys,urllib.request; print(json.load(urllib.request.urlopen('http://$POOL_HTTP/balances/alice'))['result']['balance'])")
python3 - "$JL" "$MET" "$bal" >"$T/check.tap" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if '"earnings"' in l]
last = recs[-1]
met = json.load(open(sys.argv[2]))["earnings"]
pool_bal = float(sys.argv[3])
keys = {"balance", "gained", "duco_per_day", "duco_per_day_since_start", "miners", "source"}
print("ok" if keys <= set(last) else "not ok", "- earnings records carry", sorted(keys))
print("ok" if last["miners"] == 2 and last["source"] == "rest" else "not ok",
      "- the last record: 2 miners listed, source rest (%s)" % {k: last[k] for k in keys})
# the balance asked last is at most the pool's final one
print("ok" if 0 < last["balance"] <= pool_bal + 1e-12 else "not ok",
      "- the balance the rig saw %.6f, the pool's final %.6f" % (last["balance"], pool_bal))
# the record written at the stop has every share the rig saw paid
print("ok" if abs(last["est_duco"] - pool_bal) <= 0.1 * pool_bal else "not ok",
      "- the local estimate %.6f within 10%% of what the pool paid %.6f" % (last["est_duco"], pool_bal))
b = last.get("boards", [])
print("ok" if len(b) == 2 and all(x["paid"] > 0 for x in b) else "not ok",
      "- per-board estimates in the record", b)
print("ok" if met.get("source") == "rest" and met.get("miners") == 2 else "not ok",
      "- the metrics file has the earnings", met)
PY
tap_relay <"$T/check.tap"

# --- no key on the account, a key configured ------------------------------
master nokey --key "$KEY" --user bob --rest-api "http://$POOL_HTTP" --watch-balance 0
wait_until "$DEADLINE" grep -qs "account bob has no mining key set: the configured key is not needed" \
	"$T/nokey.log"
ok $? "no key on the account: said so"
stop_pid "$M_PID"

# --- a fixed pool without rest_api: the estimate alone ----------------------
master est --key "$KEY" --joblog "$T/est.jsonl"
wait_until "$DEADLINE" grep -qs '"verdict":"GOOD"' "$T/est.jsonl"
kill -USR1 "$M_PID"
wait_until 10 grep -q "earnings (estimate, no REST answer)" "$T/est.out"
ok $? "a fixed pool and no rest_api: the summary says it shows the estimate"
grep -q "no REST API (fixed pool, no rest_api)" "$T/est.log"; ok $? "the log says why"
stop_pid "$M_PID"
tap_done
