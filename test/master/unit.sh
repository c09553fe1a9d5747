#!/usr/bin/env bash
# unit.sh - the systemd unit's hardening, checked offline. TAP.
#
# The unit as `make install` writes it (BINDIR pointing at this build) must
# rate 2.0 or lower in `systemd-analyze security --offline=yes`, keep the
# daemon's way to /dev/i2c-N (DevicePolicy=closed with DeviceAllow=char-i2c,
# group i2c, neither PrivateDevices= nor PrivateUsers=), and its system call
# filter must allow every call ducomaster makes: a run under strace against
# ducopool (discovery over HTTP by host name, so curl and the resolver run)
# and ducosim (two firmware slaves), with a SIGHUP reopen, a SIGUSR1
# summary and SIGTERM, is compared with the filter's sets as this systemd
# expands them. The i2cdev backend's own calls on a real adapter (openat,
# ioctl I2C_RDWR, close) are checked by name. Needs systemd-analyze and
# strace (deps group test); children stopped by pid.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${BUILD:-build}/host
FW=${BUILD:-build}/avr-nano/firmware.elf
UNIT_IN=master/dist/ducomaster.service.in
T=$(mktemp -d "${TMPDIR:-/tmp}/ducomaster-unit.XXXXXX")
cleanup() { stop_spawned; rm -rf "$T"; }
trap cleanup EXIT

bindir=$(cd "$B" && pwd)
sed "s|@BINDIR@|$bindir|g" "$UNIT_IN" >"$T/ducomaster.service"

# --- exposure ----------------------------------------------------------------
systemd-analyze security --offline=yes --threshold=20 "$T/ducomaster.service" \
	>"$T/security.out" 2>&1; rc=$?
level=$(sed -n 's/.*Overall exposure level for ducomaster.service: \([0-9.]*\).*/\1/p' "$T/security.out")
[ $rc -eq 0 ] && [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'
ok $? "systemd-analyze security --offline=yes: exposure ${level:-?} <= 2.0 (exit $rc)"
for want in SystemCallFilter ProtectKernelLogs ProtectProc ProcSubset RestrictSUIDSGID \
	    PrivateMounts ProtectHostname RemoveIPC; do
	! grep -q "✗ $want=" "$T/security.out"
	ok $? "$want= no longer listed as missing"
done
# UMask=0027: group ducorig (the rig's owner) may read the logs, others not.
! grep -q "✗ UMask=.*world-readable" "$T/security.out" && grep -qx 'UMask=0027' "$T/ducomaster.service"
ok $? "UMask=0027: files the service creates are not world-readable"

# --- the way to /dev/i2c-N ---------------------------------------------------
u=$T/ducomaster.service
grep -qx 'DevicePolicy=closed' "$u" && grep -qx 'DeviceAllow=char-i2c rw' "$u" &&
	grep -qx 'SupplementaryGroups=i2c' "$u"
ok $? "/dev/i2c-N stays reachable: DevicePolicy=closed, DeviceAllow=char-i2c rw, group i2c"
! grep -Eq '^(PrivateDevices|PrivateUsers|DynamicUser)=(yes|true|1)' "$u"
ok $? "no PrivateDevices=, PrivateUsers= or DynamicUser= (each would cut the adapter or its group)"

# --- the system call filter against a real run -------------------------------
# Allowed: @default (always), the unit's allow list, less its deny lists.
python3 - "$u" >"$T/allowed" <<'EOF'
import re, subprocess, sys
groups, cur = {}, None
for line in subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                           text=True, check=True).stdout.splitlines():
    s = line.strip()
    if not s or s.startswith("#"):
        continue
    if not line.startswith(" "):
        cur = s
        groups[cur] = []
    elif cur:
        groups[cur].append(s)
def expand(name, seen=()):
    if not name.startswith("@"):
        return {name}
    out = set()
    for m in groups.get(name, []):
        if m not in seen:
            out |= expand(m, seen + (name,))
    return out
allow, deny = expand("@default"), set()
for line in open(sys.argv[1]):
    m = re.match(r"SystemCallFilter=(~?)(.*)", line.strip())
    if not m:
        continue
    names = set()
    for n in m.group(2).split():
        names |= expand(n)
    if m.group(1):
        deny |= names
    else:
        allow |= names
print("\n".join(sorted(allow - deny)))
EOF
ok $? "the filter's sets expanded ($(wc -l <"$T/allowed") calls allowed)"

echo '{"tiers":[{"name":"AVR","diff":3}]}' >"$T/tiers.json"
spawn "$B/ducopool" --listen 127.0.0.1:0 --http 127.0.0.1:0 --block-chance 0 --seed 5 \
	--tiers "$T/tiers.json" >"$T/pool.out" 2>"$T/pool.err"
pool_pid=$SPAWNED
wait_for "$T/pool.out" '^http on' 30 "$pool_pid"
http=$(sed -n 's/^http on 127.0.0.1://p' "$T/pool.out")
spawn "$B/ducosim" --firmware "$FW" --count 2 --first-addr 0x08 --fast \
	--socket "$T/sim.sock" >"$T/sim.out" 2>"$T/sim.err"
sim_pid=$SPAWNED
wait_for "$T/sim.out" '^ready' 30 "$sim_pid"
rows() { [ -f "$T/job.log" ] && [ "$(grep -c '"verdict"' "$T/job.log")" -ge "$1" ]; }
# LeakSanitizer cannot run under ptrace: no leak check for this run in the
# sanitizer build (the other runs of ducomaster have it).
san_env=()
[ -z "${DUCORIG_SANITIZE:-}" ] || san_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
# The HTTP side on, as the service has it, on a port the kernel picks (its
# default 127.0.0.1:9550 may be a running ducomaster's), and asked once, so
# its calls (accept, the reads and writes of a request) are in the run too.
spawn "${san_env[@]}" strace -f -qq -o "$T/strace.out" "$B/ducomaster" --pool-url "http://localhost:$http" \
	--bus "sim:$T/sim.sock" --slaves 0x08,0x09 --user unit --no-table --http 127.0.0.1:0 \
	--joblog "$T/job.log" --log "$T/m.log" --metrics "$T/m.json" >"$T/m.out" 2>&1
strace_pid=$SPAWNED
wait_until 60 rows 4; rc1=$?
wait_for "$T/m.log" 'http: serving on' 30 "$strace_pid"
maddr=$(sed -n 's/.*http: serving on \([^ ]*\).*/\1/p' "$T/m.log")
python3 -c 'import sys, urllib.request; urllib.request.urlopen("http://%s/api/status" % sys.argv[1], timeout=10).read()' \
	"$maddr" 2>/dev/null
ok $? "the HTTP side answers /api/status under strace (on ${maddr:-no address})"
# strace's first line is the exec of ducomaster, by its own pid.
m_pid=$(awk 'NR == 1 { print $1 }' "$T/strace.out")
mv "$T/job.log" "$T/job.log.1"
kill -HUP "$m_pid"; kill -USR1 "$m_pid"
wait_until 60 rows 2; rc2=$?
kill -TERM "$m_pid"
reap_pid "$strace_pid"; rc=$?   # strace exits with its child's status
[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ $rc -eq 0 ] && grep -q "ducomaster summary" "$T/m.out"
ok $? "ducomaster under strace: shares before and after SIGHUP, SIGUSR1, exit 0 on SIGTERM (exit $rc)"
sed -n 's/^[0-9]\+ \+\([a-z0-9_]\+\)(.*/\1/p' "$T/strace.out" | sort -u >"$T/used"
missing=$(comm -23 "$T/used" "$T/allowed" | tr '\n' ' ')
[ -s "$T/used" ] && [ -z "$missing" ]
ok $? "every system call of the run ($(wc -l <"$T/used") distinct) is allowed by the filter${missing:+ (refused: $missing)}"
missing=$(printf '%s\n' openat ioctl close read write | sort | comm -23 - "$T/allowed" | tr '\n' ' ')
[ -z "$missing" ]
ok $? "the i2cdev backend's calls on /dev/i2c-N (openat, ioctl, close, read, write) are allowed${missing:+ (refused: $missing)}"
stop_pid "$sim_pid"; stop_pid "$pool_pid"
tap_done
