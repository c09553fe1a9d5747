#!/usr/bin/env bash
# install.sh - `make install` into temporary trees, never the live system.
#
# Checks what lands where with DESTDIR and PREFIX, that the unit runs the
# installed ducomaster unprivileged in group i2c and passes systemd-analyze
# verify, that the live configuration is created with mode 0640 and never
# overwritten by a later install. Uses the already built host programs
# (make -o host) and DIST_SETUP=no, so no user is created even as root.
set -u
. "$(dirname "$0")/../lib/tap.sh"
tmp=$(mktemp -d /tmp/ducorig-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory -o host DIST_SETUP=no "$@"; }

d=$tmp/dest
mk install DESTDIR="$d" PREFIX=/usr >"$tmp/log1" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
sed 's/^/# /' "$tmp/log1" | grep -i warning

for p in ducomaster ducoctl ducosim ducopool; do
	[ -x "$d/usr/bin/$p" ]; ok $? "installs /usr/bin/$p"
done
"$d/usr/bin/ducoctl" --version | grep -q '^ducoctl '; ok $? "installed ducoctl runs"
unit=$d/usr/lib/systemd/system/ducomaster.service
grep -qx 'ExecStart=/usr/bin/ducomaster --config /etc/ducorig/ducomaster.json' "$unit"
ok $? "unit runs the installed ducomaster with /etc/ducorig/ducomaster.json"
grep -qx 'User=ducorig' "$unit" && grep -qx 'SupplementaryGroups=i2c' "$unit" &&
	grep -qx 'Restart=on-failure' "$unit" && ! grep -q '^User=root' "$unit"
ok $? "unit: unprivileged user ducorig, group i2c, Restart=on-failure"
grep -qx 'm ducorig i2c' "$d/usr/lib/sysusers.d/ducorig.conf"
ok $? "sysusers.d entry puts ducorig in group i2c"
[ ! -e "$tmp/dest/usr/local" ]; ok $? "PREFIX honoured (nothing under /usr/local)"

if [ -f master/ducomaster.sample.json ]; then
	cfg=$d/etc/ducorig/ducomaster.json
	[ -f "$cfg" ] && [ "$(stat -c %a "$cfg")" = 640 ]
	ok $? "live config created from the sample, mode 0640 (mining key)"
	echo '{"edited": true}' > "$cfg"
	mk install DESTDIR="$d" PREFIX=/usr >"$tmp/log2" 2>&1
	grep -q edited "$cfg"; ok $? "a second install keeps the edited config"
	[ -f "$d/usr/share/ducorig/ducomaster.sample.json" ]; ok $? "sample config in /usr/share/ducorig"
else
	skip "live config from the sample" "master/ducomaster.sample.json not written yet"
fi

# A unit whose ExecStart exists, so systemd can check it for real.
p=$tmp/prefix
mk install PREFIX="$p" SYSCONFDIR="$tmp/etc" >"$tmp/log3" 2>&1
ok $? "make install PREFIX=<tmp> SYSCONFDIR=<tmp>"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify "$p/lib/systemd/system/ducomaster.service" 2>&1)
	[ -z "$out" ]; ok $? "systemd-analyze verify: no complaints${out:+ ($out)}"
else
	skip "systemd-analyze verify" "systemd-analyze not installed"
fi
tap_done
