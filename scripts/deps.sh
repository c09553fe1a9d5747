#!/usr/bin/env bash
# deps.sh - make sure the Debian packages ducorig needs are installed.
#
# Run by `make deps`, by the README's two commands and by .ci/run. As root it
# installs what is missing with apt-get; otherwise it prints the exact
# apt-get line and fails. Parts that need a package add it to PACKAGES here.
set -eu
PACKAGES="make gcc pkg-config gcc-avr binutils-avr avr-libc avrdude \
simavr libsimavr-dev libelf-dev libi2c-dev i2c-tools \
libcurl4-openssl-dev libcjson-dev libmicrohttpd-dev libc-ares-dev python3 \
python3-smbus python3-smbus2 arduino-core-avr"

missing=()
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "ducorig needs these Debian packages; install them with:" >&2
	echo "  sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq "${missing[@]}" >&2
