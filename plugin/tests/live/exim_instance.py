#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A private Exim for the live tests, run from Debian's exim4-daemon-light
package, unpacked into a folder of its own (the package conflicts with postfix,
so it is never installed).  Loopback only, a port of its own, every message
blackholed, smtp_receive_timeout of SMTPD_TIMEOUT seconds.  It needs the
system user Debian-exim, which it creates when missing.

    exim_instance.py start DIR PORT
    exim_instance.py stop DIR

When the package cannot be had (no archive), start says so and leaves the
marker DIR/unavailable: the Exim tests then skip.
"""

import os
import shutil
import subprocess
import sys
import time

import debian_unpack
from postfix_instance import SMTPD_TIMEOUT, command_line, fresh_base, kill_from, listening

PACKAGES = ["exim4-daemon-light", "exim4-base", "exim4-config"]


def config(base, port):
    return "\n".join([
        "primary_hostname = exim.smtp-timeout.test",
        "daemon_smtp_ports = %d" % port,
        "local_interfaces = <; 127.0.0.1 ; ::1",
        "spool_directory = %s/spool" % base,
        "log_file_path = %s/log/%%slog" % base,
        "smtp_receive_timeout = %ds" % SMTPD_TIMEOUT,
        "host_lookup =",
        "rfc1413_hosts =",
        # GnuTLS writes the server's key log where SSLKEYLOGFILE says (the
        # daemon runs as root, the file lies in the spool): Wireshark reads it.
        "keep_environment = SSLKEYLOGFILE",
        "tls_advertise_hosts = *",
        "tls_certificate = %s/cert.pem" % base,
        "tls_privatekey = %s/key.pem" % base,
        "acl_smtp_rcpt = acl_check_rcpt",
        "begin acl",
        "acl_check_rcpt:",
        "  accept",
        "begin routers",
        "discard_all:",
        "  driver = redirect",
        "  data = :blackhole:",
        "",
    ])


def unpack(base):
    """The exim4 binary from Debian's packages, downloaded if need be."""
    root = debian_unpack.unpack(PACKAGES, os.path.join(base, "debs"), os.path.join(base, "root"),
                                "exim4-daemon-light")
    return None if root is None else os.path.join(root, "usr", "sbin", "exim4")


def keylog_path(base):
    """Where the server's TLS keys go (inside the spool: Exim keeps only such
    a path for SSLKEYLOGFILE)."""
    return os.path.join(os.path.abspath(base), "spool", "tls-keys.log")


def certificate(base):
    """A throw-away self-signed certificate, readable by Exim's user."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=exim.smtp-timeout.test", "-keyout", os.path.join(base, "key.pem"),
                    "-out", os.path.join(base, "cert.pem")], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    for name in ("key.pem", "cert.pem"):
        shutil.chown(os.path.join(base, name), user="Debian-exim")
        os.chmod(os.path.join(base, name), 0o600)


def start(base, port):
    stop(os.path.abspath(base))
    base, marker = fresh_base(base, ("spool", "log", "root"))
    exim = unpack(base)
    if exim is None or not os.path.exists(exim):
        open(marker, "w").write("exim4-daemon-light could not be downloaded\n")
        print("EXIM UNAVAILABLE: the package could not be downloaded; the Exim live tests will skip")
        return
    debian_unpack.system_user("Debian-exim")
    for sub in ("spool", "log"):
        os.makedirs(os.path.join(base, sub))
        shutil.chown(os.path.join(base, sub), user="Debian-exim")
    conf = os.path.join(base, "exim.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(config(base, port))
    os.chmod(conf, 0o644)
    certificate(base)
    env = dict(os.environ, SSLKEYLOGFILE=keylog_path(base))
    subprocess.run([exim, "-C", conf, "-bd", "-oP", os.path.join(base, "exim.pid")], check=True, env=env)
    for _ in range(100):
        if listening(port):
            return
        time.sleep(0.1)
    raise SystemExit("Exim did not start listening on port %d" % port)


def stop(base):
    pidfile = os.path.join(os.path.abspath(base), "exim.pid")
    if kill_from(pidfile, first_line=False):
        os.unlink(pidfile)


if __name__ == "__main__":
    command_line(sys.argv, start, stop, __doc__)
