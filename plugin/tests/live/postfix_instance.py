#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A private Postfix instance for the live tests, from Debian's package.

Everything lives under one folder (LIVE_DIR): configuration, queue,
data, log, and a throw-away self-signed certificate.  It listens on
loopback only, on a port of its own, delivers every message to the discard
transport, and times out after SMTPD_TIMEOUT seconds.  The system's own
Postfix configuration is neither read nor changed, and its instance stays
stopped.

    postfix_instance.py start DIR PORT [--listen ADDR] [--starttls-timeout S] [--chain N]
    postfix_instance.py start-sender DIR RELAY_PORT
    postfix_instance.py stop DIR

--listen ADDR listens on that address instead of loopback (the instance
inside a network namespace of netns_path.py); --starttls-timeout sets
smtpd_starttls_timeout; --chain N sends N more certificates after the
server's own, so that its TLS flight needs several full-size segments.

A sender instance listens nowhere: mail submitted with its sendmail
(`sendmail -C DIR/etc`) goes to the server instance on RELAY_PORT, with
STARTTLS when the server offers it, as a real relay delivers.  Mail for
three test domains takes transports of its own, in clear: plain.* (to
the server's freeze listener on RELAY_PORT + 6, which pauses
FREEZE_PAUSE_S before its replies to EHLO and DATA), slow.* (to the server's listener on RELAY_PORT + 3, which sleeps
SLOW_EOD_S seconds before it answers the end of data, while this sender
waits only DATA_DONE_S: it gives up) and pool.* (its connections kept in
Postfix's connection cache for POOL_IDLE_S seconds, longer than the
server's timeout).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

SMTPD_TIMEOUT = 3
HOSTNAME = "mx.smtp-timeout.test"
SLOW_EOD_S = 8       # the slow listener's pause before its reply to the end of data
DATA_DONE_S = 5      # the slow transport's smtp_data_done_timeout
POOL_IDLE_S = 10     # the pool transport's smtp_connection_cache_time_limit
FREEZE_PAUSE_S = 1   # the freeze listener's pause before its replies to EHLO and DATA


def paths(base):
    base = os.path.abspath(base)
    return {"base": base, "conf": os.path.join(base, "etc"), "queue": os.path.join(base, "spool"),
            "data": os.path.join(base, "data"), "log": os.path.join(base, "postfix.log")}


def main_cf(p, port, listen=None, starttls_timeout=SMTPD_TIMEOUT):
    return "\n".join([
        "compatibility_level = 3.6",
        "queue_directory = %s" % p["queue"],
        "data_directory = %s" % p["data"],
        "mail_owner = postfix",
        "setgid_group = postdrop",
        "myhostname = %s" % HOSTNAME,
        "mydomain = smtp-timeout.test",
        "myorigin = $myhostname",
        "mydestination =",
        "alias_maps =",
        "alias_database =",
        "inet_interfaces = %s" % (listen or "loopback-only"),
        "inet_protocols = %s" % ("ipv4" if listen else "all"),
        "mynetworks = 127.0.0.0/8 [::1]/128%s" % (" 198.18.0.0/15" if listen else ""),
        "smtpd_relay_restrictions = permit_mynetworks, reject",
        "smtpd_banner = $myhostname ESMTP Postfix",
        "default_transport = discard:live test",
        "relay_transport = discard:live test",
        "local_transport = discard:live test",
        "smtpd_timeout = %ds" % SMTPD_TIMEOUT,
        "smtpd_starttls_timeout = %ds" % starttls_timeout,
        "smtpd_tls_security_level = may",
        "smtpd_tls_cert_file = %s/cert.pem" % p["conf"],
        "smtpd_tls_key_file = %s/key.pem" % p["conf"],
        "maillog_file = %s" % p["log"],
        "maillog_file_prefixes = %s" % p["base"],
        "smtp_dns_support_level = disabled",
        "slow_end_of_data = sleep %d, permit" % SLOW_EOD_S,
        "freeze_pause = sleep %d, permit" % FREEZE_PAUSE_S,
        "# listens on port %d (master.cf)" % port,
        "",
    ])


def sender_cf(p, relay_port):
    """A second Postfix, the sender: no listener, everything relayed to the
    server instance."""
    return "\n".join([
        "compatibility_level = 3.6",
        "queue_directory = %s" % p["queue"],
        "data_directory = %s" % p["data"],
        "mail_owner = postfix",
        "setgid_group = postdrop",
        "myhostname = relay.smtp-timeout.test",
        "mydomain = smtp-timeout.test",
        "myorigin = $myhostname",
        "mydestination =",
        "alias_maps =",
        "alias_database =",
        "inet_interfaces = loopback-only",
        "inet_protocols = ipv4",
        "relayhost = [127.0.0.1]:%d" % relay_port,
        "transport_maps = inline:{plain.smtp-timeout.test=plain:[127.0.0.1]:%d, "
        "slow.smtp-timeout.test=slow:[127.0.0.1]:%d, pool.smtp-timeout.test=pool:[127.0.0.1]:%d}"
        % (relay_port + 6, relay_port + 3, relay_port),
        "smtp_tls_security_level = may",
        "smtp_tls_loglevel = 1",
        "connection_cache_ttl_limit = %ds" % POOL_IDLE_S,   # scache's own limit caps the transport's
        "smtp_dns_support_level = disabled",
        "maillog_file = %s" % p["log"],
        "maillog_file_prefixes = %s" % p["base"],
        "",
    ])


def master_cf(port):
    """Debian's stock master.cf, with smtpd on our port and, on the one after
    Exim's (port + 2), in wrapper mode: TLS from the first byte, as on 465
    (chroot is turned off later)."""
    lines = []
    for line in open("/usr/share/postfix/master.cf.dist", encoding="utf-8"):
        if line.startswith("smtp      inet"):
            line = "%d inet n - n - - smtpd\n" % port
            line += "%d inet n - n - - smtpd -o smtpd_tls_wrappermode=yes\n" % (port + 2)
            line += "%d inet n - n - - smtpd -o smtpd_end_of_data_restrictions=$slow_end_of_data\n" % (port + 3)
            line += ("%d inet n - n - - smtpd -o smtpd_delay_reject=no -o smtpd_helo_restrictions=$freeze_pause "
                     "-o smtpd_data_restrictions=$freeze_pause\n" % (port + 6))
        lines.append(line)
    return "".join(lines)


def run(*argv):
    subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def master_pid(p):
    try:
        with open(os.path.join(p["queue"], "pid", "master.pid"), encoding="ascii") as f:
            pid = int(f.read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def certificates(conf, chain):
    """A self-signed certificate and key; with chain, that many more
    certificates after it in the file (Postfix sends them all)."""
    cert, key = os.path.join(conf, "cert.pem"), os.path.join(conf, "key.pem")
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + HOSTNAME,
        "-keyout", key, "-out", cert)
    for n in range(chain):
        extra_key, extra = os.path.join(conf, "ca%d.key" % n), os.path.join(conf, "ca%d.pem" % n)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=Intermediate %d of the smtp-timeout tests" % n, "-keyout", extra_key, "-out", extra)
        with open(cert, "a", encoding="ascii") as out, open(extra, encoding="ascii") as more:
            out.write(more.read())
    os.chmod(key, 0o600)


def start(base, port, sender=False, listen=None, starttls_timeout=SMTPD_TIMEOUT, chain=0):
    p = paths(base)
    if master_pid(p):
        stop(base)
    shutil.rmtree(p["base"], ignore_errors=True)
    make_traversable_dirs(p["base"])
    for d in ("conf", "queue", "data"):
        os.makedirs(p[d])
    with open(os.path.join(p["conf"], "main.cf"), "w", encoding="utf-8") as f:
        f.write(sender_cf(p, port) if sender else main_cf(p, port, listen, starttls_timeout))
    with open(os.path.join(p["conf"], "master.cf"), "w", encoding="utf-8") as f:
        f.write(sender_master_cf(port) if sender else master_cf(port))
    run("postconf", "-c", p["conf"], "-F", "*/*/chroot = n")
    certificates(p["conf"], chain)
    open(p["log"], "w").close()
    run("postfix", "-c", p["conf"], "set-permissions")
    run("postfix", "-c", p["conf"], "start")
    for _ in range(100):
        if master_pid(p) and (sender or listening(port)):
            return
        time.sleep(0.1)
    raise SystemExit("Postfix did not start listening on port %d: %s" % (port, open(p["log"]).read()))


def sender_master_cf(relay_port):
    """Debian's stock master.cf without its smtpd listener, with the three
    transports of the test domains."""
    stock = "".join(l for l in open("/usr/share/postfix/master.cf.dist", encoding="utf-8")
                    if not l.startswith("smtp      inet"))
    clear = "-o smtp_tls_security_level=none"
    return stock + "".join([
        "plain unix - - n - - smtp %s\n" % clear,
        "slow unix - - n - - smtp %s -o smtp_data_done_timeout=%ds\n" % (clear, DATA_DONE_S),
        "pool unix - - n - - smtp %s -o smtp_connection_cache_destinations=127.0.0.1 "
        "-o smtp_connection_cache_time_limit=%ds\n" % (clear, POOL_IDLE_S)])


def kill_from(pidfile, first_line=True):
    """SIGTERM to the process whose pid the file holds (on its first line, or
    as its whole text), and up to 10 s for it to end; False when the file
    names no process."""
    try:
        with open(pidfile, encoding="ascii") as f:
            pid = int(f.readline().strip() if first_line else f.read().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return False
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    return True


def fresh_base(base, subdirs):
    """An unpacked server's folder made anew: base (absolute) with subdirs
    removed, and the path of its 'unavailable' marker, removed too (start
    writes it again when the packages cannot be had)."""
    base = os.path.abspath(base)
    for sub in subdirs:
        shutil.rmtree(os.path.join(base, sub), ignore_errors=True)
    make_traversable_dirs(base)
    marker = os.path.join(base, "unavailable")
    if os.path.exists(marker):
        os.unlink(marker)
    return base, marker


def make_traversable_dirs(path):
    """Create path; the folders created here are opened to every user (the
    servers' own users must reach their queues), whatever the umask."""
    missing = []
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for d in reversed(missing):
        os.mkdir(d)
        os.chmod(d, 0o755)


def listening(port):
    out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port], stdout=subprocess.PIPE,
                         encoding="utf-8", check=False).stdout
    return out.strip() != ""


def stop(base):
    p = paths(base)
    pid = master_pid(p)
    if pid is None:
        return
    subprocess.run(["postfix", "-c", p["conf"], "stop"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if wait_gone(p, 100):
        return
    # `postfix stop` run outside the master's network namespace finds no
    # master (its test of the pid file fails there): a signal reaches it
    # anywhere, and the master takes its children with it.
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    if not wait_gone(p, 100):
        subprocess.run(["postfix", "-c", p["conf"], "abort"], check=False)


def wait_gone(p, tenths):
    for _ in range(tenths):
        if master_pid(p) is None:
            return True
        time.sleep(0.1)
    return False


def command_line(argv, start_fn, stop_fn, usage):
    """`start DIR PORT` or `stop DIR`, for this script and exim_instance.py."""
    if len(argv) >= 4 and argv[1] == "start" and start_fn is start:
        ap = argparse.ArgumentParser()
        ap.add_argument("--listen")
        ap.add_argument("--starttls-timeout", type=int, default=SMTPD_TIMEOUT)
        ap.add_argument("--chain", type=int, default=0)
        opts = ap.parse_args(argv[4:])
        start(argv[2], int(argv[3]), listen=opts.listen, starttls_timeout=opts.starttls_timeout, chain=opts.chain)
    elif len(argv) == 4 and argv[1] == "start":
        start_fn(argv[2], int(argv[3]))
    elif len(argv) == 4 and argv[1] == "start-sender" and start_fn is start:
        start(argv[2], int(argv[3]), sender=True)
    elif len(argv) == 3 and argv[1] == "stop":
        stop_fn(argv[2])
    else:
        raise SystemExit(usage)


if __name__ == "__main__":
    command_line(sys.argv, start, stop, __doc__)
