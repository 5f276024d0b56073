# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by setup.sh, test.sh and .ci/run: the Debian packages the project
# needs, and a function that installs the missing ones (as root) or names
# them.
#
# PACKAGES: building and running (setup.sh installs these and nothing
# else: no mail server).  libpcap-dev and zlib1g-dev are for the native
# reader (smtp-timeout-read).
PACKAGES="cmake gcc make pkg-config libglib2.0-dev wireshark-dev tshark libpcap-dev zlib1g-dev python3 util-linux"
# TEST_PACKAGES: the live tests (test.sh): a private Postfix on loopback and
# in network namespaces the tests make, real clients, captures by tcpdump as
# well as dumpcap, m4 for Sendmail's configuration (Exim and Sendmail are
# unpacked, never installed).  Postfix is installed unconfigured and stays
# stopped, and only where no other mail server is installed: Debian's MTAs
# conflict, and installing one would remove the site's.
TEST_PACKAGES="postfix openssl iproute2 ethtool swaks nftables tcpdump m4"
# CHECK_PACKAGES: static analysis (label lint), the fuzzer (clang's
# libFuzzer), valgrind, and a headless Chromium for the scan's HTML page;
# the tests that need them run where these are installed.
CHECK_PACKAGES="clang-tidy cppcheck clang valgrind chromium"

# Builds and tests on every core unless told otherwise (the live tests hold
# one lock among themselves, so one of them runs at a time).
CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
CTEST_PARALLEL_LEVEL="${CTEST_PARALLEL_LEVEL:-$(nproc)}"
export CMAKE_BUILD_PARALLEL_LEVEL CTEST_PARALLEL_LEVEL

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# An installed mail server other than Postfix (a package that provides
# mail-transport-agent), or nothing.
other_mta() {
    dpkg-query -W -f='${Package} ${Provides} ${Status}\n' 2>/dev/null |
        awk '/mail-transport-agent/ && /install ok installed/ && $1 != "postfix" { print $1; exit }'
}

# The packages of LIST that are not installed; never a mail server when the
# machine has another one.
missing_packages() {
    mta=$(other_mta)
    for p in $1; do
        if [ "$p" = postfix ] && [ -n "$mta" ]; then
            echo "smtp-timeout: $mta is installed: Postfix is left out (the live tests that need it fail)" >&2
            continue
        fi
        installed "$p" || printf '%s ' "$p"
    done
}

# Install the missing packages of LIST (as root), or name them and stop.
# SMTP_TIMEOUT_DRY_RUN=1 only prints what would be installed.
install_missing() {
    missing=$(missing_packages "$1")
    if [ -n "${SMTP_TIMEOUT_DRY_RUN:-}" ]; then
        echo "would install: $missing"
        return 0
    fi
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
