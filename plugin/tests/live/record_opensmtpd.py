#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Record OpenSMTPD's timeouts once, for testdata/opensmtpd/ (its session
timeout is fixed at 300 s: too long for every run of the suite).

    record_opensmtpd.py OUTDIR     (as root; about six minutes)

OpenSMTPD 6.8 from Debian 12's package, unpacked (never installed: it
conflicts with postfix) and run in the foreground (-d, its log on stderr)
in a private mount namespace, where tmpfs mounts give it the spool, run and
chroot folders it expects (/var/spool/smtpd, /run, /var/lib/opensmtpd/empty)
without touching the system's. It listens on 127.0.0.1 port 10030. Three
clients at once, captured by dumpcap: one that stalls after 354 (RCPT and
DATA one at a time), one that stalls after EHLO, one that pipelines
RCPT+DATA. Writes OUTDIR/opensmtpd-timeouts.pcap and OUTDIR/smtpd.log.
"""

import os
import shutil
import subprocess
import sys
import time

import debian_unpack
from postfix_instance import listening

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = 10030
STALL = 310  # past OpenSMTPD's fixed 300 s
CONF = """listen on 127.0.0.1 port %d
action "relay" relay host smtp://127.0.0.1:9
match from any for any action "relay"
""" % PORT
# The folders smtpd expects, as tmpfs in its own mount namespace only.
PRIVATE = ("mount -t tmpfs smtp-timeout /var/spool && mkdir -m 711 /var/spool/smtpd && "
           "mount -t tmpfs smtp-timeout /run && "
           "mount -t tmpfs smtp-timeout /var/lib && mkdir -p /var/lib/opensmtpd/empty && "
           "exec \"$0\" -d -f \"$1\"")


def main(out):
    work = "/var/tmp/smtp-timeout-opensmtpd"
    shutil.rmtree(work, ignore_errors=True)
    root = debian_unpack.unpack(["opensmtpd"], os.path.join(work, "debs"), os.path.join(work, "root"), "opensmtpd")
    if root is None:
        raise SystemExit("opensmtpd could not be downloaded")
    for user in ("opensmtpd", "opensmtpq"):
        debian_unpack.system_user(user)
    conf = os.path.join(work, "smtpd.conf")
    with open(conf, "w", encoding="ascii") as f:
        f.write(CONF)
    os.makedirs(out, exist_ok=True)
    log = open(os.path.join(out, "smtpd.log"), "w", encoding="utf-8")
    daemon = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", PRIVATE,
                               os.path.join(root, "usr", "sbin", "smtpd"), conf], stdout=log, stderr=log)
    for _ in range(100):
        if listening(PORT):
            break
        time.sleep(0.1)
    else:
        daemon.terminate()
        raise SystemExit("OpenSMTPD did not start: see %s" % log.name)
    capture = os.path.join(out, "opensmtpd-timeouts.pcap")
    dumpcap = subprocess.Popen(["dumpcap", "-q", "-i", "lo", "-f", "tcp port %d" % PORT, "-P", "-w", capture],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    client = [sys.executable, os.path.join(HERE, "smtp_client.py"), "127.0.0.1", str(PORT)]
    runs = [subprocess.Popen(client + ["stall-after-354", "--no-pipelining", "--stall", str(STALL)],
                             stdout=subprocess.PIPE, encoding="utf-8")]
    time.sleep(1)
    runs.append(subprocess.Popen(client + ["stall-after-ehlo", "--stall", str(STALL)], stdout=subprocess.PIPE,
                                 encoding="utf-8"))
    time.sleep(1)
    runs.append(subprocess.Popen(client + ["pipeline-probe"], stdout=subprocess.PIPE, encoding="utf-8"))
    for run in runs:
        print(run.communicate()[0].strip())
    time.sleep(1)
    dumpcap.terminate()
    dumpcap.wait()
    daemon.terminate()
    daemon.wait()
    os.chmod(capture, 0o644)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
