#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What set-up and the test command would install (cmake/packages.sh, dry
run, with a stand-in dpkg-query): set-up installs no mail server at all; the
test command installs Postfix only where no other mail server is installed,
and says so."""

import os
import stat
import subprocess
import sys
import tempfile

ROOT = sys.argv[1]
MTAS = ("postfix", "exim4", "sendmail", "opensmtpd", "courier-mta", "nullmailer", "msmtp-mta", "dma")


def dry_run(packages, installed):
    """(stdout, stderr) of install_missing PACKAGES with INSTALLED ('name provides') as dpkg's."""
    with tempfile.TemporaryDirectory() as stub:
        fake = os.path.join(stub, "dpkg-query")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\n")
            f.write("if [ \"$1\" = -W ] && [ \"$2\" = -f='${Status}' ]; then\n  case \"$3\" in\n")
            for name, _ in installed:
                f.write("  %s) printf 'install ok installed';;\n" % name)
            f.write("  *) exit 1;;\n  esac\n  exit 0\nfi\n")
            for name, provides in installed:
                f.write("echo '%s %s install ok installed'\n" % (name, provides))
        os.chmod(fake, stat.S_IRWXU)
        env = dict(os.environ, PATH=stub + ":" + os.environ["PATH"], SMTP_TIMEOUT_DRY_RUN="1")
        proc = subprocess.run(["sh", "-c", ". cmake/packages.sh; install_missing \"%s\"" % packages], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
                              check=True)
        return proc.stdout.strip(), proc.stderr.strip()


failures = []
setup = open(os.path.join(ROOT, "cmake", "setup.sh"), encoding="utf-8").read()
if [l for l in setup.splitlines() if l.startswith("install_missing")] != ['install_missing "$PACKAGES"']:
    failures.append("setup.sh installs more than $PACKAGES")
out, err = dry_run("$PACKAGES", [])
if not out.startswith("would install: cmake gcc") or any(m in out.split() for m in MTAS) or \
        [w for w in out.split() if w.startswith(MTAS)]:
    failures.append("setup's packages: %s" % out)
out, err = dry_run("$PACKAGES $TEST_PACKAGES", [("exim4-daemon-light", "exim4-localscanapi-6.0, mail-transport-agent")])
if "postfix" in out.split() or "swaks" not in out.split():
    failures.append("with Exim installed, the test command would install: %s" % out)
if err != "smtp-timeout: exim4-daemon-light is installed: Postfix is left out (the live tests that need it fail)":
    failures.append("with Exim installed, it says: %r" % err)
out, err = dry_run("$PACKAGES $TEST_PACKAGES", [("cmake", "")])
if "postfix" not in out.split() or "cmake" in out.split() or err:
    failures.append("with no mail server, the test command would install: %s (%r)" % (out, err))
for f in failures:
    print("FAIL:", f)
print("%d passed, %d failed" % (4 - len(failures), len(failures)))
sys.exit(1 if failures else 0)
