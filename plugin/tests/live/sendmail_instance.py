#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A private Sendmail for the live tests, from Debian's sendmail-bin,
sendmail-base and sendmail-cf, unpacked into a folder of its own (they
conflict with postfix: never installed).  Its sendmail.cf is made from a
.mc with the package's own m4 macros: loopback only, port PORT,
Timeout.datablock and Timeout.command of SMTPD_TIMEOUT seconds.

Sendmail logs only to syslog.  The daemon runs in a private mount namespace
whose /dev is a copy with a `log` of the suite's own: a listener here
writes what it receives to DIR/maillog, one line per message, and no
system log is touched.

    sendmail_instance.py start DIR PORT
    sendmail_instance.py stop DIR
    sendmail_instance.py listen SOCKET LOG     (the syslog listener itself)

When the packages cannot be had, start leaves the marker DIR/unavailable:
the Sendmail tests then skip.
"""

import os
import shutil
import socket
import subprocess
import sys
import time

import debian_unpack
from postfix_instance import SMTPD_TIMEOUT, fresh_base, kill_from, listening

PACKAGES = ["sendmail-bin", "sendmail-base", "sendmail-cf"]
HOSTNAME = "sendmail.smtp-timeout.test"
DEVICES = ("null", "zero", "random", "urandom", "full", "tty")


def mc(base, port):
    """The .mc, in m4 (quotes are `...')."""
    lines = ["divert(0)dnl", "VERSIONID(`smtp-timeout live tests')dnl", "OSTYPE(`linux')dnl"]
    defines = [("confHOST_STATUS_DIRECTORY", ""), ("QUEUE_DIR", base + "/mqueue"),
               ("confPID_FILE", base + "/sendmail.pid"), ("STATUS_FILE", base + "/statistics"),
               ("ALIAS_FILE", ""), ("confCW_FILE", base + "/local-host-names"),
               ("confDONT_PROBE_INTERFACES", "True"), ("confDOMAIN_NAME", HOSTNAME),
               ("confTO_DATABLOCK", "%ds" % SMTPD_TIMEOUT), ("confTO_COMMAND", "%ds" % SMTPD_TIMEOUT),
               ("confTO_IDENT", "0s"), ("confLOG_LEVEL", "9"),
               # Names from a hosts file of its own, never DNS: no waiting
               # for a resolver to qualify the machine's name.
               ("confSERVICE_SWITCH_FILE", base + "/service.switch"), ("confHOSTS_FILE", base + "/hosts")]
    lines += ["define(`%s', `%s')dnl" % d for d in defines]
    lines += ["FEATURE(`no_default_msa')dnl", "DAEMON_OPTIONS(`Port=%d, Addr=127.0.0.1, Name=MTA')dnl" % port,
              "FEATURE(`promiscuous_relay')dnl", "FEATURE(`accept_unresolvable_domains')dnl",
              "MAILER(`local')dnl", "MAILER(`smtp')dnl", ""]
    return "\n".join(lines)


def listen(sock_path, log_path):
    """Receive syslog datagrams; write their text, a line each."""
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    os.chmod(sock_path, 0o666)
    with open(log_path, "a", encoding="utf-8") as log:
        while True:
            data = sock.recv(65536).decode("utf-8", "replace")
            log.write(data[data.find(">") + 1:].rstrip("\n\0") + "\n")
            log.flush()


# In its own mount namespace: /dev becomes a folder with the devices it
# needs and `log` pointing at the listener's socket, and /etc/hosts names
# the machine (Sendmail qualifies its name before it reads its
# configuration: with no resolver to answer, that takes a minute).
PRIVATE_DEV = ("mount --bind \"$1/dev\" /dev && mount --bind \"$1/hosts\" /etc/hosts && "
               "exec \"$0\" -C \"$2\" -bd")


def private_dev(base):
    dev = os.path.join(base, "dev")
    os.makedirs(dev)
    devices = [d for d in DEVICES if os.path.exists("/dev/" + d)]
    for name in devices:
        open(os.path.join(dev, name), "w").close()
    os.symlink(os.path.join(base, "syslog.sock"), os.path.join(dev, "log"))
    return " && ".join("mount --bind /dev/%s \"$1/dev/%s\"" % (d, d) for d in devices) + " && " + PRIVATE_DEV


def start(base, port):
    stop(os.path.abspath(base))
    base, marker = fresh_base(base, ("root", "mqueue", "dev"))
    root = debian_unpack.unpack(PACKAGES, os.path.join(base, "debs"), os.path.join(base, "root"), "sendmail-bin")
    if root is None or shutil.which("m4") is None:
        open(marker, "w").write("sendmail-bin or m4 could not be had\n")
        print("SENDMAIL UNAVAILABLE: the packages could not be had; the Sendmail live tests will skip")
        return
    cf_dir = os.path.join(root, "usr", "share", "sendmail", "cf")
    with open(os.path.join(base, "live.mc"), "w", encoding="ascii") as f:
        f.write(mc(base, port))
    with open(os.path.join(base, "sendmail.cf"), "w", encoding="ascii") as f:
        subprocess.run(["m4", "-D_CF_DIR_=%s/" % cf_dir, os.path.join(cf_dir, "m4", "cf.m4"),
                        os.path.join(base, "live.mc")], stdout=f, stderr=subprocess.DEVNULL, check=True)
    for name in ("local-host-names", "statistics", "maillog"):
        open(os.path.join(base, name), "w").close()
    with open(os.path.join(base, "service.switch"), "w", encoding="ascii") as f:
        f.write("hosts files\naliases files\n")
    with open(os.path.join(base, "hosts"), "w", encoding="ascii") as f:
        f.write("127.0.0.1 localhost\n127.0.1.1 %s %s\n" % (HOSTNAME, socket.gethostname()))
    os.makedirs(os.path.join(base, "mqueue"), mode=0o700)
    listener = subprocess.Popen([sys.executable, os.path.abspath(__file__), "listen",
                                 os.path.join(base, "syslog.sock"), os.path.join(base, "maillog")],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    with open(os.path.join(base, "listener.pid"), "w", encoding="ascii") as f:
        f.write("%d\n" % listener.pid)
    script = private_dev(base)
    subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                    os.path.join(root, "usr", "libexec", "sendmail", "sendmail"), base,
                    os.path.join(base, "sendmail.cf")], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if listening(port):
            return
        time.sleep(0.1)
    raise SystemExit("Sendmail did not start listening on port %d: %s" % (port, open(os.path.join(base, "maillog")).read()))


def stop(base):
    base = os.path.abspath(base)
    kill_from(os.path.join(base, "sendmail.pid"))   # its first line is the daemon's pid
    kill_from(os.path.join(base, "listener.pid"))
    for name in ("sendmail.pid", "listener.pid"):
        if os.path.exists(os.path.join(base, name)):
            os.unlink(os.path.join(base, name))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "start":
        start(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "stop":
        stop(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
