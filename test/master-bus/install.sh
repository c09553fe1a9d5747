#!/usr/bin/env bash
# install.sh - `make install` into temporary trees, never the live system.
#
# Checks what lands where with DESTDIR and PREFIX, that the unit runs the
# installed ducomaster unprivileged in group i2c and passes systemd-analyze
# verify, that the live configuration is created with mode 0640 and never
# overwritten by a later install, that `make install` installs what a Pi
# needs and no development server, and `make install-dev` those. Uses the
# already built programs (make -o master -o sim) and DIST_SETUP=no, so no
# user is created even as root.
set -u
. "$(dirname "$0")/../lib/tap.sh"
tmp=$(mktemp -d /tmp/ducorig-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u DESTDIR -u PREFIX -u BINDIR -u MANDIR \
	-u DATADIR -u UNITDIR -u SYSUSERSDIR -u TMPFILESDIR -u SYSCONFDIR make --no-print-directory -o master -o sim DIST_SETUP=no "$@"; }

d=$tmp/dest
mk install DESTDIR="$d" PREFIX=/usr >"$tmp/log1" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr"
sed 's/^/# /' "$tmp/log1" | grep -i warning

for p in ducomaster ducoctl ducoreport; do
	[ -x "$d/usr/bin/$p" ]; ok $? "installs /usr/bin/$p"
done
for p in ducosim ducopool; do
	[ ! -e "$d/usr/bin/$p" ]; ok $? "make install leaves out the development server $p"
done
[ -f "$d/usr/lib/tmpfiles.d/ducorig.conf" ] &&
	grep -qx 'd /var/lib/ducorig 0750 ducorig ducorig -' "$d/usr/lib/tmpfiles.d/ducorig.conf"
ok $? "tmpfiles.d entry makes /var/lib/ducorig for the service user"
mk install-dev DESTDIR="$d" PREFIX=/usr >"$tmp/log-dev" 2>&1 &&
	[ -x "$d/usr/bin/ducosim" ] && [ -x "$d/usr/bin/ducopool" ]
ok $? "make install-dev installs ducosim and ducopool"
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
	[ -f "$cfg" ] && [ "$(stat -c %a "$cfg")" = 640 ] && [ "$(stat -c %a "${cfg%/*}")" = 750 ]
	ok $? "live config created from the sample, mode 0640 in a 0750 folder (mining key)"
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
