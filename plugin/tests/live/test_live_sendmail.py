# SPDX-License-Identifier: GPL-2.0-or-later
"""Live tests against a real Sendmail 8.17 (fixture live.sendmail.start,
sendmail_instance.py): its data timeout answers 421 4.4.1, its command
timeout closes without a word; checked against its own syslog lines.

Needs root; skipped (exit 77) without, or when the packages cannot be had."""

import os
import sys
import unittest

from test_live import PORT, STALL, LiveCase

SENDMAIL_PORT = PORT + 4
SENDMAIL_DIR = os.environ.get("LIVE_SENDMAIL_DIR", "")
DECODE = ["-d", "tcp.port==%d,smtp" % SENDMAIL_PORT]
RELAY = r"relay=localhost, from=<sender@client\.smtp-timeout\.test>, info=read timeout"


class LiveSendmail(LiveCase):
    port = SENDMAIL_PORT
    log = os.path.join(SENDMAIL_DIR, "maillog")
    log_tag = "sendmail["

    @classmethod
    def setUpClass(cls):
        if os.path.exists(os.path.join(SENDMAIL_DIR, "unavailable")):
            print("Sendmail's packages could not be had; skipped")
            sys.exit(77)
        super().setUpClass()

    def test_sendmail_stall_after_354(self):
        cap, client, log = self.record("sendmail-stall-after-354", "stall-after-354", "--stall", str(STALL))
        self.logged(log, r"SYSERR\(root\): collect: " + RELAY + "$")
        self.logged(log, r"from=<sender@client\.smtp-timeout\.test>, size=0, class=0, nrcpts=1, proto=ESMTP")
        row, rows = self.timeout_finding(cap, DECODE)
        self.assertEqual(row[1:5], ["DATA", "0", "client", "4.4.1"])
        self.assertRegex(row[6], r"^421 4\.4\.1 after DATA \(0 bytes\): server gave up after 3\.\d{3} s of client "
                                 r"silence$")
        detail = self.findings(cap, ["smtp_timeout.mta", "smtp_timeout.reply_class", "smtp_timeout.reply_text"],
                               *DECODE, display="smtp_timeout.reply_421")
        self.assertEqual(detail, [["sendmail", "timeout", "collect: relay=localhost, "
                                   "from=<sender@client.smtp-timeout.test>, info=read timeout"]])
        hint = self.late_explanation(cap, DECODE)
        self.assertEqual(hint[:2], ["server", "client-idle"])
        self.assertRegex(hint[2], r"above the 5\.\d{3} s stall: define\(`confTO_DATABLOCK', `300s'\) in "
                                  r"sendmail\.mc, then rebuild sendmail\.cf and restart Sendmail$")

    def test_sendmail_stall_after_ehlo(self):
        # Sendmail's command timeout says nothing on the wire: a FIN.
        cap, client, log = self.record("sendmail-stall-after-ehlo", "stall-after-ehlo", "--stall", str(STALL))
        self.logged(log, r"timeout waiting for input from localhost during server cmd read$")
        row, rows = self.timeout_finding(cap, DECODE)
        self.assertEqual(row[1:5], ["EHLO", "", "client", ""])
        self.assertRegex(row[6], r"^Server closed the connection without a reply after EHLO: it gave up after "
                                 r"3\.\d{3} s of client silence$")
        hint = self.findings(cap, ["smtp_timeout.mta", "smtp_timeout.hint"], *DECODE,
                             display="smtp_timeout.silent_close")
        self.assertEqual(hint[0][0], "sendmail")
        self.assertRegex(hint[0][1], r"raise Sendmail confTO_COMMAND \(3\.\d{3} s here\) above the client's stall$")

    def test_sendmail_stall_mid_body(self):
        cap, client, log = self.record("sendmail-stall-mid-body", "stall-mid-body", "--stall", str(STALL),
                                       "--body", "640")
        # Sendmail's size= counts line ends as one byte: 640 on the wire.
        self.logged(log, r"size=630, class=0, nrcpts=1")
        row, rows = self.timeout_finding(cap, DECODE)
        self.assertEqual(row[1:5], ["DATA", "640", "client", "4.4.1"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
