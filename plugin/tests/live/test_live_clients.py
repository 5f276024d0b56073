# SPDX-License-Identifier: GPL-2.0-or-later
"""Live tests with real clients at the other end: swaks, Postfix's
posttls-finger and smtp-source, a second private Postfix relaying to the
first, and the Python client; many sessions in one capture.
"""

import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

from test_live import DECODE, HERE, PORT, STALL, TIMEOUT, LiveCase, Recording  # first: it finds stharness
from freezer import Freezer
from postfix_instance import DATA_DONE_S, FREEZE_PAUSE_S, SLOW_EOD_S
from stharness import ms

SENDER_DIR = os.environ.get("LIVE_SENDER_DIR", "")
SENDER_CONF = os.path.join(SENDER_DIR, "etc")
SENDER_LOG = os.path.join(SENDER_DIR, "postfix.log")
FREEZE_PORT = PORT + 6   # the server's listener that pauses before its replies to EHLO and DATA
SLOW_PORT = PORT + 3     # ... that pauses before its reply to the end of data
HOLD = STALL + FREEZE_PAUSE_S  # a frozen client's wait: it stalls STALL s after the reply


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8",
                          errors="replace", check=False, timeout=120, **kw)


class Clients(LiveCase):
    def record_many(self, name, jobs):
        """Run the jobs (callables) at once under one capture; the capture
        and the server's log lines of the time."""
        offset = os.path.getsize(self.log)
        with Recording(name, self.port) as rec:
            threads = [threading.Thread(target=job) for job in jobs]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        time.sleep(0.2)
        with open(self.log, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            lines = [l.rstrip("\n") for l in f if self.log_tag in l]
        copy = self.scratch(name + ".pcap")
        shutil.copy(rec.path, copy)
        os.chmod(copy, 0o644)
        return copy, lines

    def python_clients(self, count, version, finish, keylog=None):
        argv = [sys.executable, os.path.join(HERE, "smtp_client.py"), "127.0.0.1", str(self.port), "clean",
                "--count", str(count), "--tls", "starttls", "--tls-version", version, "--finish", finish]
        out = run(argv + (["--keylog", keylog] if keylog else [])).stdout.splitlines()
        self.assertEqual(len([l for l in out if " 221 2.0.0 Bye" in l]), count, out)

    def swaks(self, count):
        for _ in range(count):
            out = run(["swaks", "--server", "127.0.0.1", "--port", str(self.port), "--tls", "--from",
                       "swaks@client.smtp-timeout.test", "--to", "rcpt@example.net", "--silent", "2"])
            self.assertEqual(out.returncode, 0, out.stdout)

    def posttls_finger(self, count):
        env = dict(os.environ, MAIL_CONFIG=SENDER_CONF)
        for _ in range(count):
            out = run(["posttls-finger", "-c", "-l", "may", "[127.0.0.1]:%d" % self.port], env=env)
            self.assertIn("TLS connection established", out.stdout)

    def relay(self, count):
        for i in range(count):
            run(["/usr/sbin/sendmail", "-C", SENDER_CONF, "-f", "relay@relay.smtp-timeout.test",
                 "rcpt%d@example.net" % i], input="Subject: relayed %d\n\nhello\n" % i)
        for _ in range(300):
            if "Mail queue is empty" in run(["postqueue", "-c", SENDER_CONF, "-p"]).stdout:
                return
            time.sleep(0.1)
        self.fail("the sender's queue did not empty")


class LiveClients(Clients):
    def test_clean_tls_sessions_in_numbers(self):
        """Hundreds of clean STARTTLS sessions from four real clients, some
        with keys: no warning, no gap, every report row ok."""
        keys = self.scratch("clean-tls.keys")
        jobs = [lambda: self.python_clients(40, "1.3", "notify", keys),
                lambda: self.python_clients(40, "1.2", "close"),
                lambda: self.python_clients(40, "1.3", "reset"),
                lambda: self.swaks(40), lambda: self.posttls_finger(40), lambda: self.relay(40)]
        cap, log = self.record_many("clean-tls-many", jobs)
        os.chmod(keys, 0o644)
        self.assertEqual([l for l in log if re.search(r"timeout|lost connection", l)], [])
        disconnects = len([l for l in log if "disconnect from" in l])
        self.assertGreaterEqual(disconnects, 200)
        for extra in ([], ["-o", "tls.keylog_file:" + keys]):
            warnings = self.tshark("-r", cap, *DECODE, *extra, "-Y",
                                   "smtp_timeout && !smtp_timeout.rst_after_end", "-T", "fields",
                                   "-e", "frame.number", "-e", "smtp_timeout.message")
            self.assertEqual(warnings, "", extra)
            report = self.tshark("-q", "-r", cap, *DECODE, *extra, "-z", "smtp_timeout,sessions")
            total = re.search(r"^Sessions: (\d+), with findings: (\d+) \(ok (\d+)\)$", report, re.M)
            self.assertIsNotNone(total, report)
            self.assertEqual(total.group(2), "0", report)
            self.assertEqual(total.group(1), total.group(3), report)
            self.assertEqual(int(total.group(1)), disconnects)


class RealSenders(Clients):
    """A real client at the other end, frozen by the watcher or giving up
    on its own timer; the server's log and the client's own words."""

    def frozen(self, name, argv, trigger, port=FREEZE_PORT):
        """Run ARGV frozen at TRIGGER under capture: the capture, the
        client's output, the server's log lines."""
        offset = os.path.getsize(self.log)
        with Recording(name, port) as rec:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8",
                                    errors="replace")
            with Freezer(port, trigger, HOLD, pid=proc.pid) as freezer:
                out = proc.communicate(timeout=60)[0]
            self.assertEqual(len(freezer.frozen), 1, "the watcher froze nobody")
        return self.copy(rec, name), out, self.server_log(offset)

    def copy(self, rec, name):
        copy = self.scratch(name + ".pcap")
        shutil.copy(rec.path, copy)
        os.chmod(copy, 0o644)
        return copy

    def server_log(self, offset, log=None):
        time.sleep(0.2)
        with open(log or self.log, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            return [l.rstrip("\n") for l in f if (self.log_tag if log is None else "postfix/smtp[") in l]

    def relay_one(self, domain, subject):
        run(["/usr/sbin/sendmail", "-C", SENDER_CONF, "-f", "relay@relay.smtp-timeout.test", "rcpt@" + domain],
            input="Subject: %s\n\nhello\n" % subject)

    def empty_sender_queue(self):
        run(["postsuper", "-c", SENDER_CONF, "-d", "ALL"])

    def stalled_after_354(self, cap, decode):
        """The frozen client's story: the 421 after DATA (0 bytes) 3 s after
        the 354, the late body, the reset, the stall and the hint."""
        rows = self.findings(cap, ["smtp_timeout.finding", "smtp_timeout.after", "smtp_timeout.data_bytes",
                                   "smtp_timeout.idle", "smtp_timeout.client_stall", "smtp_timeout.exceeded_by",
                                   "smtp_timeout.rst_from", "smtp_timeout.hint"], *decode)
        self.assertEqual([r[0] for r in rows], ["session-ending reply", "data after close", "reset after close"])
        self.assertEqual(rows[0][1:3], ["DATA", "0"])
        self.assertLess(abs(float(rows[0][3]) - TIMEOUT), 0.1, rows[0])
        self.assertLess(abs(float(rows[1][4]) - STALL), 0.3, rows[1])
        # exceeded_by is the stall less the server's timeout, to the nanosecond.
        self.assertAlmostEqual(float(rows[1][5]), float(rows[1][4]) - float(rows[0][3]), places=6)
        self.assertEqual(rows[2][6], "server")
        self.assertRegex(rows[1][7], r"raise the server's timeout above the 5\.\d{3} s stall: postconf -e "
                                     r"smtpd_timeout=300s && postfix reload$")
        one, two = self.messages(cap, *decode), self.messages(cap, *decode, two_pass=True)
        self.assertEqual({f: m for f, m in two.items() if not m[0].startswith("Idle interval")}, one)


class LiveRealSenders(RealSenders):
    def test_swaks_frozen_after_354(self):
        cap, out, log = self.frozen("swaks-frozen-354", [
            "swaks", "--server", "127.0.0.1:%d" % FREEZE_PORT, "--from", "sender@client.smtp-timeout.test",
            "--to", "rcpt@example.net", "--helo", "client.smtp-timeout.test"], b"DATA\r\n")
        self.assertIn("<** 421 4.4.2 mx.smtp-timeout.test Error: timeout exceeded", out)
        self.logged(log, r"timeout after DATA \(0 bytes\) from localhost\[127\.0\.0\.1\]$")
        self.stalled_after_354(cap, ["-d", "tcp.port==%d,smtp" % FREEZE_PORT])

    def test_swaks_frozen_after_ehlo(self):
        # Resumed, swaks reads the EHLO reply and sends MAIL FROM into the
        # closed connection: a client late mid-dialogue, no pooled one.
        cap, out, log = self.frozen("swaks-frozen-ehlo", [
            "swaks", "--server", "127.0.0.1:%d" % FREEZE_PORT, "--from", "sender@client.smtp-timeout.test",
            "--to", "rcpt@example.net", "--helo", "client.smtp-timeout.test"], b"EHLO ")
        self.assertIn(" -> MAIL FROM:<sender@client.smtp-timeout.test>", out)
        self.logged(log, r"timeout after EHLO from localhost\[127\.0\.0\.1\]$")
        decode = ["-d", "tcp.port==%d,smtp" % FREEZE_PORT]
        rows = self.findings(cap, ["smtp_timeout.finding", "smtp_timeout.after", "smtp_timeout.pooled",
                                   "smtp_timeout.cause", "smtp_timeout.hint"], *decode)
        self.assertEqual([r[:4] for r in rows], [["session-ending reply", "EHLO", "", "client-idle"],
                                                 ["data after close", "", "", "client-idle"],
                                                 ["reset after close", "", "", ""]])
        self.assertRegex(rows[1][4], r"^Fix the sender first: find what kept it silent after EHLO ")

    def test_smtp_source_frozen_after_354(self):
        cap, out, log = self.frozen("smtp-source-frozen-354", [
            "smtp-source", "-m", "1", "-l", "1000", "-f", "sender@client.smtp-timeout.test", "-t", "rcpt@example.net",
            "127.0.0.1:%d" % FREEZE_PORT], b"DATA\r\n")
        self.assertEqual(out.strip(), "smtp-source: fatal: end of data rejected: 421 4.4.2 mx.smtp-timeout.test "
                                      "Error: timeout exceeded")
        self.logged(log, r"timeout after DATA \(0 bytes\) from localhost\[127\.0\.0\.1\]$")
        self.stalled_after_354(cap, ["-d", "tcp.port==%d,smtp" % FREEZE_PORT])

    def test_postfix_sender_frozen_after_354(self):
        # The sender's own smtp process, found by the port it connects from.
        offset = os.path.getsize(SENDER_LOG)
        try:
            cap, _, log = self.frozen_relay()
            sent = self.server_log(offset, SENDER_LOG)
            self.logged(sent, r"said: 421 4\.4\.2 mx\.smtp-timeout\.test Error: timeout exceeded \(in reply to "
                              r"end of DATA command\)\)$")
            self.logged(log, r"timeout after DATA \(0 bytes\) from localhost\[127\.0\.0\.1\]$")
            self.stalled_after_354(cap, ["-d", "tcp.port==%d,smtp" % FREEZE_PORT])
        finally:
            self.empty_sender_queue()

    def frozen_relay(self):
        offset = os.path.getsize(self.log)
        with Recording("postfix-sender-frozen-354", FREEZE_PORT) as rec:
            with Freezer(FREEZE_PORT, b"DATA\r\n", HOLD) as freezer:
                self.relay_one("plain.smtp-timeout.test", "frozen")
                time.sleep(HOLD + 2)
            self.assertEqual(len(freezer.frozen), 1, "the watcher froze nobody")
        return self.copy(rec, "postfix-sender-frozen-354"), "", self.server_log(offset)

    def test_postfix_sender_gives_up(self):
        """smtp_data_done_timeout of 5 s against a server that takes 8 s to
        answer the end of data: the sender gives up before any gap, the
        server delivers all the same."""
        offset, sent_at = os.path.getsize(self.log), os.path.getsize(SENDER_LOG)
        try:
            with Recording("postfix-sender-gives-up", SLOW_PORT) as rec:
                self.relay_one("slow.smtp-timeout.test", "slow")
                time.sleep(SLOW_EOD_S + 1)
            cap, log = self.copy(rec, "postfix-sender-gives-up"), self.server_log(offset)
            sent = self.server_log(sent_at, SENDER_LOG)
            self.logged(sent, r"status=deferred \(conversation with 127\.0\.0\.1\[127\.0\.0\.1\] timed out while "
                              r"sending end of data -- message may be sent more than once\)$")
            self.logged(log, r"disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 "
                             r"commands=5$")
            decode = ["-d", "tcp.port==%d,smtp" % SLOW_PORT]
            size = re.search(r"SIZE=(\d+)", self.tshark("-r", cap, *decode, "-Y", "smtp.req.command == \"MAIL\"",
                                                       "-T", "fields", "-e", "smtp.req.parameter")).group(1)
            rows = self.findings(cap, ["smtp_timeout.finding", "smtp_timeout.after", "smtp_timeout.data_bytes",
                                       "smtp_timeout.idle", "smtp_timeout.gave_up", "smtp_timeout.cause",
                                       "smtp_timeout.message", "smtp_timeout.why"], *decode)
            self.assertEqual([r[:3] + r[4:6] for r in rows], [
                ["client gave up", "END-OF-MESSAGE", size, "client", "server-slow"], ["reset after close", "", "", "", ""]])
            self.assertLess(abs(float(rows[0][3]) - DATA_DONE_S), 0.1, rows[0])
            self.assertEqual(rows[0][6], "Client closed the connection after %s s waiting for the reply to "
                                         "END-OF-MESSAGE (%s bytes): it gave up" % (ms(rows[0][3]), size))
            self.assertTrue(rows[0][7].endswith("; the server may have taken the message all the same, and the "
                                                "client, which never heard so, will send it again: a duplicate"))
            report = self.tshark("-q", "-r", cap, *decode, "-z", "smtp_timeout,sessions,csv").splitlines()
            self.assertEqual(report[1].split(",")[4:7], ["client gave up", "END-OF-MESSAGE (%s bytes)" % size, size])
        finally:
            self.empty_sender_queue()

    def test_postfix_sender_pool(self):
        """Postfix's connection cache keeps the connection 10 s; the server
        gives up after 3 s (timeout after END-OF-MESSAGE); the next message
        finds the cached connection closed: RSET into it, a reset."""
        offset = os.path.getsize(self.log)
        with Recording("postfix-sender-pool", self.port) as rec:
            self.relay_one("pool.smtp-timeout.test", "pool 1")
            time.sleep(TIMEOUT + 3)
            self.relay_one("pool.smtp-timeout.test", "pool 2")
            time.sleep(TIMEOUT + 1)
        cap, log = self.copy(rec, "postfix-sender-pool"), self.server_log(offset)
        self.assertEqual(len([l for l in log if re.search(r"timeout after END-OF-MESSAGE from localhost", l)]), 2, log)
        rows = self.findings(cap, ["smtp_timeout.finding", "smtp_timeout.after", "smtp_timeout.pooled",
                                   "smtp_timeout.cause", "smtp_timeout.hint"], *DECODE)
        pool = ("Fix the sender first: it kept its connection idle between messages longer than the server's "
                "timeout (%s s here), as a connection pool or cache does; keep idle connections for less (Postfix: "
                "smtp_connection_cache_time_limit, within connection_cache_ttl_limit), or check them with NOOP "
                "before reuse")
        self.assertEqual([r[:4] for r in rows], [["session-ending reply", "END-OF-MESSAGE", "1", "client-idle"],
                                                 ["data after close", "", "1", "client-idle"],
                                                 ["reset after close", "", "", ""],
                                                 ["session-ending reply", "END-OF-MESSAGE", "1", "client-idle"]])
        idle = self.findings(cap, ["smtp_timeout.idle"], *DECODE, display="smtp_timeout.reply_421")[0][0]
        self.assertEqual(rows[0][4], pool % ms(idle))
        self.assertEqual(self.tshark("-r", cap, *DECODE, "-Y", "smtp_timeout.data_after_close", "-T", "fields",
                                     "-e", "smtp.req.command"), "RSET\n")

class LiveBusy(RealSenders):
    def test_busy_smtp_source(self):
        """400 clean sessions from smtp-source, 20 at a time, and two stalls
        among them: exactly those two sessions have findings."""
        stalls = []

        def stall():
            stalls.append(run([sys.executable, os.path.join(HERE, "smtp_client.py"), "127.0.0.1", str(self.port),
                               "stall-after-354", "--stall", str(STALL)]).stdout.strip())

        def source():
            out = run(["smtp-source", "-s", "20", "-m", "400", "-l", "2000", "-f", "sender@client.smtp-timeout.test",
                       "-t", "rcpt@example.net", "127.0.0.1:%d" % self.port])
            self.assertEqual(out.returncode, 0, out.stdout)

        def later_stall():
            time.sleep(1.0)
            stall()

        cap, log = self.record_many("busy-smtp-source", [source, stall, later_stall])
        self.assertEqual(len([l for l in log if "timeout after DATA (0 bytes)" in l]), 2, log)
        self.assertEqual(len([l for l in log if "disconnect from" in l]), 402)
        report = self.tshark("-q", "-r", cap, *DECODE, "-z", "smtp_timeout,sessions")
        self.assertIn("Sessions: 402, with findings: 2 (421 timeout 2, ok 400)", report)
        rows = self.findings(cap, ["tcp.srcport", "tcp.dstport", "smtp_timeout.finding"], *DECODE,
                             display="smtp_timeout && !smtp_timeout.rst_after_end")
        ports = {r[0] if r[1] == str(self.port) else r[1] for r in rows}
        self.assertEqual(len(ports), 2, rows)
        self.assertEqual(sorted(r[2] for r in rows), ["data after close"] * 2 + ["reset after close"] * 2 +
                         ["session-ending reply"] * 2)
        self.assertEqual(sorted(ports), sorted(l.split()[1] for l in stalls))

if __name__ == "__main__":
    unittest.main(verbosity=2)
