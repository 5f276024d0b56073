#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite: configure, build, and run every ctest test.
set -eu
cd "$(dirname "$0")/.."
. cmake/packages.sh
WITH_CHECKS=${WITH_CHECKS-1}
install_missing "$PACKAGES $TEST_PACKAGES ${WITH_CHECKS:+$CHECK_PACKAGES}"
cmake --workflow --preset default
