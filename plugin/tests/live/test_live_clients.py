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

from test_live import DECODE, HERE, LiveCase, Recording

SENDER_DIR = os.environ.get("LIVE_SENDER_DIR", "")
SENDER_CONF = os.path.join(SENDER_DIR, "etc")


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


if __name__ == "__main__":
    unittest.main(verbosity=2)
