#!/usr/bin/env bash
# run.sh - CI's packaging stage: `make deb` (both packages, natively) and
# what they must hold. TAP, ending with the runner's "N passed, N failed".
# Installs the deb and firmware package groups (CI runs as root). Checks
# lintian's verdict (no errors; make deb fails on one), the files of each
# package (dpkg-deb -c), the conffile and its modes, the maintainer
# scripts debhelper generated (user from sysusers.d, /var/lib/ducorig from
# tmpfiles.d, the unit never enabled on install) and that no development
# server or test fixture is packaged.
set -uo pipefail
cd "$(dirname "$0")/../.."
scripts/deps.sh deb firmware build || { echo "0 passed, 1 failed"; exit 1; }
env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make --no-print-directory deb >build/deb.log 2>&1
rc=$?
tail -5 build/deb.log
if [ $rc -ne 0 ]; then
	echo "make deb failed (build/deb.log)"
	echo "0 passed, 1 failed"
	exit 1
fi
scripts/run-tests.sh test/deb/contents.sh
