# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by setup.sh and test.sh: the Debian packages the project needs, and
# a function that installs the missing ones (as root) or names them.
# libpcap-dev and zlib1g-dev are for the native reader (smtp-timeout-read).
# postfix, openssl, swaks, iproute2, ethtool, nftables, tcpdump and m4 (for
# Sendmail's configuration, from its unpacked sendmail-cf) are for the live
# tests (a private Postfix on loopback and in network namespaces the tests
# make, real clients, captures by tcpdump as well as dumpcap); the system's
# Postfix is installed unconfigured and stays stopped.
PACKAGES="cmake gcc make pkg-config libglib2.0-dev wireshark-dev tshark libpcap-dev zlib1g-dev python3 util-linux postfix openssl iproute2 ethtool swaks nftables tcpdump m4"
# The checks: static analysis (label lint), the fuzzer (clang's libFuzzer),
# valgrind, and a headless Chromium for the scan's HTML page; the tests that
# need them run where these are installed.
CHECK_PACKAGES="clang-tidy cppcheck clang valgrind chromium"

# Builds and tests on every core unless told otherwise (the live tests hold
# one lock among themselves, so one of them runs at a time).
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
CTEST_PARALLEL_LEVEL="${CTEST_PARALLEL_LEVEL:-$(nproc)}"
export CMAKE_BUILD_PARALLEL_LEVEL CTEST_PARALLEL_LEVEL

missing_packages() {
    for p in $PACKAGES ${WITH_CHECKS:+$CHECK_PACKAGES}; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s ' "$p"
    done
}

install_missing() {
    missing=$(missing_packages)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "Missing Debian packages: $missing" >&2
        echo "Run 'sudo cmake/setup.sh' once, or: sudo apt-get install $missing" >&2
        exit 1
    fi
    echo "Installing: $missing"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
