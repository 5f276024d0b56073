#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite against other Wireshark versions, each in a Debian
# chroot that is built once with debootstrap and then reused:
#
#   sudo cmake/versions.sh [SUITE...]
#
# default: bookworm (Wireshark 4.0), trixie (4.4), sid (4.6).  In each, the
# .deb that cpack makes is then installed into a fresh copy of the chroot,
# where `tshark -G plugins`, run by an ordinary user, must list the plugin.
#
# Chroots are cached in $SMTP_TIMEOUT_CHROOTS (default
# /var/cache/smtp-timeout/chroots), outside the source tree; with a warm
# cache it runs offline.  One line per version: passed, FAILED, or SKIPPED
# when the chroot cannot be built (archive unreachable).  The exit status is
# non-zero only if a version FAILED.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMTP_TIMEOUT_CHROOTS:-/var/cache/smtp-timeout/chroots}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=tshark,wireshark-dev,libwireshark-dev,libglib2.0-dev,libpcap-dev,zlib1g-dev,cmake,gcc,make,pkg-config,python3,util-linux
packages=$packages,postfix,openssl,iproute2,passwd,ca-certificates,swaks,nftables,ethtool,tcpdump,m4
suites=${*:-bookworm trixie sid}

if [ "$(id -u)" -ne 0 ]; then
    echo "cmake/versions.sh needs root (debootstrap, chroot)" >&2
    exit 2
fi
command -v debootstrap >/dev/null || { apt-get install -y -qq debootstrap >/dev/null 2>&1 || true; }
mkdir -p "$cache"

mounted=""
unmount_all() {
    for m in $mounted; do umount "$m" 2>/dev/null; done
    mounted=""
}
trap unmount_all EXIT INT TERM

mount_into() {
    # The chroot's root must be a mount point: the live tests' network
    # namespaces and private mount namespaces change mount propagation.
    mount --bind "$1" "$1" && mounted="$1 $mounted"
    mount -t proc proc "$1/proc" && mounted="$1/proc $mounted"
    mount -t sysfs sys "$1/sys" && mounted="$1/sys $mounted"
    mount --bind /dev "$1/dev" && mounted="$1/dev $mounted"
    # A bind of /dev leaves out its devpts mount: the scan's progress test
    # needs a terminal.
    mount --bind /dev/pts "$1/dev/pts" && mounted="$1/dev/pts $mounted"
}

# A chroot for one suite, or a reason on stdout why there is none.
build_chroot() {
    new=$cache/$1.new log=$cache/$1.build.log
    rm -rf "$new"
    echo "Building the $1 chroot in $cache/$1 (once; log in $log)..." >&2
    # The archive may be a dated snapshot: accept its expired Release files.
    # Package lists are kept for the live tests' Exim and Sendmail downloads.
    valid='Acquire::Check-Valid-Until "false";'
    if ! debootstrap --variant=minbase --include="$packages" "$1" "$new" "$mirror" >"$log" 2>&1; then
        # A library transition in unstable leaves a dependency debootstrap
        # cannot choose (a virtual package: sid's libfalcosecurity wants
        # libre2-11-absl*, which tshark's plugins then miss): configure what
        # is there, then let apt finish it.
        [ -x "$new/usr/bin/tshark" ] || { echo "debootstrap failed"; return 1; }
        echo "$valid" >"$new/etc/apt/apt.conf.d/99smtp-timeout"
        mount_into "$new"
        chroot "$new" dpkg --configure -a --force-depends >>"$log" 2>&1
        chroot "$new" apt-get update -qq >>"$log" 2>&1
        chroot "$new" env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq >>"$log" 2>&1
        unmount_all
    fi
    chroot "$new" tshark --version >/dev/null 2>&1 || { echo "tshark does not run"; return 1; }
    echo "$valid" >"$new/etc/apt/apt.conf.d/99smtp-timeout"
    chroot "$new" apt-get update -qq >>"$log" 2>&1
    mv "$new" "$cache/$1"
}

# Install the .deb built in the chroot into a fresh copy of it; what
# `tshark -G plugins` says of the plugin there, as the user nobody, and
# whether the global profile SMTP-Timeout gives the article's 421 its columns.
deb_check() {
    root=$cache/$1 fresh=$cache/$1.fresh
    deb=$(chroot "$root" sh -c 'cd /src/smtp-timeout/build && cpack >/dev/null 2>&1 && ls *.deb') || return 1
    rm -rf "$fresh" && mkdir "$fresh"
    tar -C "$root" --exclude=./src --exclude='./proc/*' --exclude='./sys/*' --exclude=./var/tmp/smtp-timeout-live \
        -cf - . | tar -C "$fresh" -xf -
    cp "$root/src/smtp-timeout/build/$deb" "$fresh/tmp/"
    chroot "$fresh" dpkg -i "/tmp/$deb" >/dev/null 2>&1 || { rm -rf "$fresh"; return 1; }
    cp "$src/testdata/article.pcap" "$fresh/tmp/"
    chmod 644 "$fresh/tmp/article.pcap"
    listed=$(chroot "$fresh" setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME=/tmp PATH=/usr/bin:/bin \
        tshark -G plugins 2>/dev/null | grep '^smtp_timeout' | tr -s '\t ' ' ')
    columns=$(chroot "$fresh" setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME=/tmp PATH=/usr/bin:/bin \
        tshark -C SMTP-Timeout -r /tmp/article.pcap -Y smtp_timeout.reply_421 2>/dev/null | tr -s ' ')
    case "$columns" in
    *" SMTP 59.953550000 DATA server client-idle 59.953550000 S: 421 "*) profile=ok ;;
    *) profile=missing ;;
    esac
    echo "$listed; profile SMTP-Timeout: $profile"
    rm -rf "$fresh"
}

status=0
for suite in $suites; do
    root=$cache/$suite
    if [ ! -x "$root/usr/bin/tshark" ]; then
        if ! reason=$(build_chroot "$suite"); then
            echo "Debian $suite: SKIPPED ($reason; the archive may be unreachable) *** NOT TESTED ***"
            continue
        fi
    fi
    version=$(chroot "$root" dpkg-query -W -f='${Version}' tshark)
    # The sources, fresh; the chroot's own build folder is kept between runs.
    mkdir -p "$root/src/smtp-timeout"
    find "$root/src/smtp-timeout" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
    tar -C "$src" --exclude=./build --exclude='./build-*' --exclude=./.git -cf - . | tar -C "$root/src/smtp-timeout" -xf -
    log=$cache/$suite.test.log
    mount_into "$root"
    chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 WITH_CHECKS= \
        sh -c 'cd /src/smtp-timeout && cmake/test.sh' >"$log" 2>&1
    rc=$?
    # The live tests' network namespaces leave ip's own mounts of /run/netns.
    while umount "$root/run/netns" 2>/dev/null; do :; done
    unmount_all
    summary=$(grep -E "tests passed, [0-9]+ tests failed" "$log" | tail -n 1)
    if [ $rc -eq 0 ]; then
        listed=$(deb_check "$suite")
        case "$listed" in
        *" dissector /usr/lib/"*"/wireshark/plugins/"*"/epan/smtp_timeout.so; profile SMTP-Timeout: ok")
            echo "Wireshark $version (Debian $suite): passed: $summary; .deb installed, tshark -G plugins: $listed" ;;
        *)
            echo "Wireshark $version (Debian $suite): FAILED: $summary, but the .deb check did not list the plugin or its profile ($listed)"
            status=1 ;;
        esac
    else
        echo "Wireshark $version (Debian $suite): FAILED: ${summary:-build failed} (log: $log)"
        status=1
    fi
done
exit $status
