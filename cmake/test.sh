#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite: configure, build, and run every ctest test.
set -eu
cd "$(dirname "$0")/.."
. cmake/packages.sh
install_missing
cmake --workflow --preset default
