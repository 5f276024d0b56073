# SPDX-License-Identifier: GPL-2.0-or-later
"""Live tests: a real Postfix (started by the ctest fixture live.postfix.start),
a real capture of its loopback traffic, a real misbehaving client, and the
plugin's figures checked against what Postfix itself logged.

Needs root for dumpcap on the loopback interface; skipped (exit 77) without.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tshark"))
from stharness import TsharkCase, ms  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = int(os.environ.get("LIVE_PORT", "10025"))
EXIM_PORT = PORT + 1
POSTFIX_DIR = os.environ.get("LIVE_POSTFIX_DIR", "")
EXIM_DIR = os.environ.get("LIVE_EXIM_DIR", "")
CAPTURES = os.environ.get("LIVE_CAPTURES", "")
TIMEOUT = 3.0          # smtpd_timeout of the instance (postfix_instance.py)
STALL = TIMEOUT + 2.0  # how long the client stays silent: past the timeout
DECODE = ["-d", "tcp.port==%d,smtp" % PORT]
EXIM_DECODE = ["-d", "tcp.port==%d,smtp" % EXIM_PORT]
FIELDS = ["frame.number", "smtp_timeout.after", "smtp_timeout.data_bytes", "smtp_timeout.silent_side",
          "smtp_timeout.reply_status", "smtp_timeout.server_timeout", "smtp_timeout.message"]
EXPLAIN = ["smtp_timeout.gave_up", "smtp_timeout.cause", "smtp_timeout.hint"]


class Recording:
    """A capture of the instance's port only: dumpcap on the loopback
    interface by default (pcap), or dumpcap writing pcapng, or tcpdump on
    the "any" pseudo-interface (Linux cooked headers); inside a network
    namespace when given one."""

    def __init__(self, name, port, iface="lo", netns=None, tool="dumpcap", pcapng=False):
        os.makedirs(CAPTURES, exist_ok=True)
        self.path = os.path.join(CAPTURES, name + (".pcapng" if pcapng else ".pcap"))
        self.port = port
        self.proc = None
        bpf = "tcp port %d" % port
        if tool == "tcpdump":
            # -Z root: tcpdump would drop to its own user, who cannot write here.
            self.argv = ["tcpdump", "-q", "-U", "-Z", "root", "-i", iface, "-w", self.path, bpf]
        else:
            self.argv = ["dumpcap", "-q", "-i", iface, "-f", bpf] + ([] if pcapng else ["-P"]) + ["-w", self.path]
        if netns is not None:
            self.argv = ["ip", "netns", "exec", netns] + self.argv

    def __enter__(self):
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(100):
            if os.path.exists(self.path) and os.path.getsize(self.path) >= 24:
                break
            time.sleep(0.05)
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        time.sleep(0.5)  # the last ACKs and resets
        self.proc.send_signal(signal.SIGINT)
        self.proc.communicate(timeout=10)
        os.chmod(self.path, 0o644)


class LiveCase(TsharkCase):
    """What every live test needs: a capture around a client, the server's
    log lines of the time.  The server is the private Postfix unless a
    subclass says otherwise."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            print("live tests need root (dumpcap on lo); skipped")
            sys.exit(77)
        super().setUpClass()

    port = PORT
    log = os.path.join(POSTFIX_DIR, "postfix.log")
    log_tag = "postfix/smtpd"

    def record(self, name, scenario, *client_args, host="127.0.0.1"):
        """Run the client under capture; the capture, the client's output and
        the server's log lines of the session."""
        log = self.log
        offset = os.path.getsize(log)
        with Recording(name, self.port) as rec:
            out = subprocess.run([sys.executable, os.path.join(HERE, "smtp_client.py"), host, str(self.port),
                                  scenario]
                                 + list(client_args), stdout=subprocess.PIPE, encoding="utf-8", check=True,
                                 timeout=60).stdout
        time.sleep(0.2)
        with open(log, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            lines = [l.rstrip("\n") for l in f if self.log_tag in l]
        copy = self.scratch(name + ".pcap")
        shutil.copy(rec.path, copy)
        os.chmod(copy, 0o644)
        return copy, out.splitlines(), lines

    def logged(self, lines, pattern):
        found = [m for m in (re.search(pattern, l) for l in lines) if m]
        self.assertEqual(len(found), 1, "Postfix log has no single %r in:\n%s" % (pattern, "\n".join(lines)))
        return found[0]

    def late_explanation(self, cap, decode):
        """gave_up, cause and hint on the client's late data."""
        rows = self.findings(cap, ["smtp_timeout.finding"] + EXPLAIN, *decode)
        late = [r[1:] for r in rows if "data after close" in r[0].split(";")]
        self.assertEqual(len(late), 1, rows)
        return late[0]

    def timeout_finding(self, cap, decode=DECODE):
        rows = self.findings(cap, FIELDS, *decode)
        ending = [r for r in rows if r[5] and re.search(
            r"(^|;)(\d{3}[^;]*: server gave up|Server closed the connection without a reply)", r[6])]
        self.assertEqual(len(ending), 1, rows)
        row = ending[0]
        self.assertLess(abs(float(row[5]) - TIMEOUT), 0.5, "idle %s is not within 0.5 s of %s" % (row[5], TIMEOUT))
        return row, rows


class Live(LiveCase):

    def test_stall_after_354(self):
        self.stall_after_354("127.0.0.1")

    def test_stall_after_354_ipv6(self):
        self.stall_after_354("::1")

    def stall_after_354(self, host):
        name = "stall-after-354" + ("-ipv6" if ":" in host else "")
        cap, client, log = self.record(name, "stall-after-354", "--stall", str(STALL), host=host)
        self.logged(log, r"timeout after DATA \(0 bytes\) from \S+\[%s\]" % re.escape(host))
        row, rows = self.timeout_finding(cap)
        self.assertEqual(row[1:5], ["DATA", "0", "client", "4.4.2"])
        self.assertRegex(row[6], r"^421 4\.4\.2 after DATA \(0 bytes\): server gave up after 3\.\d{3} s "
                                 r"of client silence$")
        kinds = self.tshark("-r", cap, *DECODE, "-Y", "smtp_timeout.data_after_close || smtp_timeout.rst_after_close",
                            "-T", "fields", "-e", "smtp_timeout.bytes", "-e", "smtp_timeout.rst_from",
                            "-e", "smtp_timeout.exceeded_by").splitlines()
        late, reset = kinds[0].split("\t"), kinds[1].split("\t")
        self.assertEqual(late[0:2], ["1024", ""])
        # The client stalled STALL seconds; the server gave up after TIMEOUT.
        self.assertLess(abs(float(late[2]) - (STALL - TIMEOUT)), 0.5, late)
        self.assertEqual(reset[0:2], ["", "server"])
        # The late data knows the whole stall (5 s): the hint's value is 10 s.
        late_hint = self.late_explanation(cap, DECODE)
        self.assertEqual(late_hint[:2], ["server", "client-idle"])
        self.assertRegex(late_hint[2], r"^Fix the sender first: find what kept it silent after DATA \(a milter, a content "
                                       r"filter, the application\); as a mitigation, raise the server's timeout "
                                       r"above the 5\.\d{3} s stall: postconf -e smtpd_timeout=300s && postfix reload$")

    def test_stall_after_ehlo(self):
        cap, client, log = self.record("stall-after-ehlo", "stall-after-ehlo", "--stall", str(STALL))
        self.logged(log, r"timeout after EHLO from localhost\[127\.0\.0\.1\]")
        row, rows = self.timeout_finding(cap)
        self.assertEqual(row[1:5], ["EHLO", "", "client", "4.4.2"])

    def test_stall_mid_body(self):
        # Whole lines only: Postfix does not count a partial last line.
        cap, client, log = self.record("stall-mid-body", "stall-mid-body", "--stall", str(STALL), "--body", "640")
        logged = int(self.logged(log, r"timeout after DATA \((\d+) bytes\)").group(1))
        self.assertEqual(logged, 640)
        row, rows = self.timeout_finding(cap)
        self.assertEqual(row[1:5], ["DATA", str(logged), "client", "4.4.2"])

    def test_starttls_idle(self):
        cap, client, log = self.record("starttls-idle", "starttls-idle", "--stall", str(STALL))
        # Postfix 3.7 logs the handshake timeout this way, not "timeout after STARTTLS".
        self.logged(log, r"SSL_accept error from localhost\[127\.0\.0\.1\]: Connection timed out")
        self.logged(log, r"lost connection after STARTTLS from localhost\[127\.0\.0\.1\]")
        row, rows = self.timeout_finding(cap)
        self.assertEqual(row[1:4], ["STARTTLS", "", "client"])
        self.assertIn("Server closed the connection without a reply after STARTTLS", row[6])

    def test_pause_below_timeout(self):
        cap, client, log = self.record("pause", "pause", "--stall", str(TIMEOUT - 1.5), "--body", "640")
        self.assertRegex(client[0], r"^pause \d+ 250 2\.0\.0 Ok: queued as \w+ / 221 2\.0\.0 Bye$")
        self.assertEqual([l for l in log if "timeout" in l], [])
        self.assertEqual(self.messages(cap, *DECODE, two_pass=True), {})
        # ...and with a threshold under the pause, it is a gap and only that.
        found = self.messages(cap, *DECODE, "-o", "smtp_timeout.gap_threshold:1")
        self.assertEqual(len(found), 1, found)
        (message,) = list(found.values())[0]
        self.assertRegex(message, r"^Client silent for 1\.\d{3} s after DATA \(0 bytes\), since frame \d+$")

    def test_twenty_clean_sessions(self):
        cap, client, log = self.record("clean-20", "clean", "--count", "20", "--body", "6400")
        self.assertEqual(len(client), 20)
        for line in client:
            self.assertRegex(line, r"^clean \d+ 250 2\.0\.0 Ok: queued as \w+ / 221 2\.0\.0 Bye$")
        self.assertEqual(len([l for l in log if re.search(r"disconnect from .* commands=5$", l)]), 20, log)
        self.assertEqual(self.messages(cap, *DECODE, two_pass=True), {})
        sessions = self.tshark("-r", cap, *DECODE, "-q", "-z", "conv,tcp")
        self.assertEqual(len([l for l in sessions.splitlines() if ":%d " % PORT in l or ":%d\t" % PORT in l]), 20)


class EximCase(LiveCase):
    """Exim 4.96 from Debian's exim4-daemon-light, unpacked in the build tree."""

    port = EXIM_PORT
    log = os.path.join(EXIM_DIR, "log", "mainlog")
    log_tag = " "

    @classmethod
    def setUpClass(cls):
        if os.path.exists(os.path.join(EXIM_DIR, "unavailable")):
            print("Exim's package could not be had; skipped")
            sys.exit(77)
        super().setUpClass()


class LiveExim(EximCase):
    def test_exim_stall_after_354(self):
        cap, client, log = self.record("exim-stall-after-354", "stall-after-354", "--stall", str(STALL))
        self.logged(log, r"SMTP data timeout \(message abandoned\) on connection from "
                         r"\(client\.smtp-timeout\.test\) \[127\.0\.0\.1\]")
        row, rows = self.timeout_finding(cap, EXIM_DECODE)
        # Exim's timeout replies carry no enhanced status code.
        self.assertEqual(row[1:5], ["DATA", "0", "client", ""])
        self.assertRegex(row[6], r"^421 after DATA \(0 bytes\): server gave up after 3\.\d{3} s of client silence$")
        text = self.findings(cap, ["smtp_timeout.reply_text"], *EXIM_DECODE)[0][0]
        self.assertEqual(text, "exim.smtp-timeout.test SMTP incoming data timeout - closing connection.")
        hint = self.late_explanation(cap, EXIM_DECODE)
        self.assertEqual(hint[:2], ["server", "client-idle"])
        self.assertRegex(hint[2], r"above the 5\.\d{3} s stall: smtp_receive_timeout = 300s in the Exim "
                                     r"configuration, then reload Exim \(systemctl reload exim4\)$")

    def test_exim_stall_after_ehlo(self):
        cap, client, log = self.record("exim-stall-after-ehlo", "stall-after-ehlo", "--stall", str(STALL))
        self.logged(log, r"SMTP command timeout on connection from \(client\.smtp-timeout\.test\) \[127\.0\.0\.1\]")
        row, rows = self.timeout_finding(cap, EXIM_DECODE)
        self.assertEqual(row[1:5], ["EHLO", "", "client", ""])
        text = self.findings(cap, ["smtp_timeout.reply_text"], *EXIM_DECODE)[0][0]
        self.assertEqual(text, "exim.smtp-timeout.test: SMTP command timeout - closing connection")


if __name__ == "__main__":
    unittest.main(verbosity=2)
