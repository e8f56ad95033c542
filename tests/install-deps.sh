#!/bin/sh
# install-deps.sh PKG... - install the Debian packages that are missing.
# Runs apt-get only when something is missing, so a ready machine is not
# touched.  Needs root (or sudo) on Debian 12.
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || exit 1
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
