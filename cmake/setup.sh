#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install what is missing, build, install the plugin, and show what it finds
# in the article's capture.  Run as root (or with sudo) on a fresh machine.
set -eu
cd "$(dirname "$0")/.."
. cmake/packages.sh
install_missing "$PACKAGES"

cmake --preset default >/dev/null
cmake --build --preset default

# Wireshark loads no personal plugin when it runs as root: root installs for
# every user; with sudo, the plugin goes to the invoking user's own folder.
xy=$(sed -n 's/^WIRESHARK_XY:INTERNAL=//p' build/CMakeCache.txt)
run_as=""
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
    dir="$home/.local/lib/wireshark/plugins/$xy/epan"
    runuser -u "$SUDO_USER" -- sh -c 'mkdir -p "$1" "$3" && cp "$2" "$1/" && cp -r "$4" "$3/"' sh "$dir" \
        "$PWD/build/plugins/$xy/epan/smtp_timeout.so" "$home/.config/wireshark/profiles" \
        "$PWD/build/profiles/SMTP-Timeout"
    run_as="runuser -u $SUDO_USER --"
elif [ "$(id -u)" -eq 0 ]; then
    cmake --install build >/dev/null
    dir=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' build/CMakeCache.txt)/$(sed -n 's/^SMTP_TIMEOUT_PLUGIN_DIR:PATH=//p' build/CMakeCache.txt)
else
    cmake --build --preset default --target install-personal >/dev/null
    dir="$HOME/.local/lib/wireshark/plugins/$xy/epan"
fi
echo "Installed $dir/smtp_timeout.so"
echo
echo "What smtp-timeout finds in testdata/article.pcap (tshark -2, findings only):"
$run_as tshark -2 -r testdata/article.pcap -Y smtp_timeout -T fields -e frame.number -e _ws.expert.message \
    -E occurrence=a -E aggregator='|' 2>/dev/null | awk -F'\t' '{
        n = split($2, m, "|"); printf "  frame %-5s %s\n", $1, m[1]
        for (i = 2; i <= n; i++) printf "              %s\n", m[i] }'
