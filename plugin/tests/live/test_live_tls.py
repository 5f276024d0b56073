# SPDX-License-Identifier: GPL-2.0-or-later
"""Live tests inside TLS: real Postfix (STARTTLS on its port, wrapper mode
on port + 2) and real Exim (STARTTLS), a real Python client that writes its
TLS keys (Postfix writes none) or the server's own key log (Exim's GnuTLS),
and the plugin read twice: without keys (TLS records only) and with them
(-o tls.keylog_file), one pass and -2, against the servers' own logs.
"""

import os
import re
import shutil
import unittest

from test_live import DECODE, EXIM_DECODE, EXIM_DIR, EXIM_PORT, FIELDS, PORT, STALL, TIMEOUT, EximCase, LiveCase

IMPLICIT_PORT = PORT + 2
IMPLICIT_DECODE = ["-d", "tls.port==%d,smtp" % IMPLICIT_PORT]
# Postfix's 421 with myhostname mx.smtp-timeout.test: 56 bytes of text.
POSTFIX_421 = 56
# A record's overhead: TLS 1.3 AEAD (type byte, 16-byte tag), TLS 1.2 GCM
# (explicit nonce, tag); close_notify is 2 bytes of alert inside.
OVERHEAD = {"1.3": 17, "1.2": 24}
ENDING = ["smtp_timeout.records", "smtp_timeout.record_sizes", "smtp_timeout.server_timeout",
          "smtp_timeout.gave_up", "smtp_timeout.encrypted", "smtp_timeout.message"]


class TlsRecording(LiveCase):
    """A Live test whose client speaks TLS and keeps its keys."""

    decode = DECODE

    def record_tls(self, name, scenario, tls="starttls", version="1.3", *args):
        keys = self.scratch(name + ".keys")
        if os.path.exists(keys):
            os.unlink(keys)
        cap, client, log = self.record(name, scenario, "--stall", str(STALL), "--tls", tls, "--tls-version",
                                       version, "--keylog", keys, *args)
        self.keys = self.server_keys(keys)
        return cap, client, log

    def server_keys(self, client_keys):
        os.chmod(client_keys, 0o644)
        return client_keys

    def keyed(self):
        return ["-o", "tls.keylog_file:" + self.keys]

    def both_passes(self, cap, fields, *extra):
        """The findings' rows, the same in one pass and -2 (the frames of
        idle-start notes aside, which only -2 knows)."""
        args = list(self.decode) + list(extra)
        one = self.findings(cap, ["frame.number"] + fields, *args)
        starts = set(self.tshark("-2", "-r", cap, *args, "-Y", "smtp_timeout.idle_start_note && "
                                 "!smtp_timeout.gap && !smtp_timeout.reply_421", "-T", "fields",
                                 "-e", "frame.number").split())
        two = [r for r in self.findings(cap, ["frame.number"] + fields, *args, two_pass=True) if r[0] not in starts]
        self.assertEqual(one, two)
        return [r[1:] for r in one]

    def encrypted_ending(self, cap, version):
        """Without keys: the server's 421 and close_notify, then its FIN."""
        rows = [r for r in self.both_passes(cap, ENDING) if r[0]]
        self.assertEqual(len(rows), 1, rows)
        row = rows[0]
        self.assertEqual(row[0:2], ["2", "%d,%d" % (POSTFIX_421 + OVERHEAD[version], 2 + OVERHEAD[version])])
        self.assertLess(abs(float(row[2]) - TIMEOUT), 0.5, row)
        self.assertEqual(row[3:5], ["server", "1"])
        # The silence is measured on the wire: when Nagle's algorithm holds
        # the server's last reply for the client's delayed ACK (40 ms on
        # loopback, seen after EHLO in TLS 1.3 behind a session ticket),
        # it is that much shorter than the server's timer.
        silence = re.match(r"^Server sent 2 TLS records \(%d and %d bytes\) after (\d\.\d{3}) s of client silence, "
                           r"then closed: it gave up on the encrypted session$"
                           % (POSTFIX_421 + OVERHEAD[version], 2 + OVERHEAD[version]), row[5])
        self.assertIsNotNone(silence, row[5])
        self.assertLess(abs(float(silence.group(1)) - TIMEOUT), 0.1, row[5])
        return row

    def late_and_reset(self, cap, *extra):
        rows = self.both_passes(cap, ["smtp_timeout.finding", "smtp_timeout.exceeded_by", "smtp_timeout.rst_from",
                                      "smtp_timeout.cause"], *extra)
        late = [r for r in rows if "data after close" in r[0].split(";")]
        reset = [r for r in rows if "reset after close" in r[0].split(";")]
        self.assertEqual((len(late), len(reset)), (1, 1), rows)
        self.assertLess(abs(float(late[0][1]) - (STALL - TIMEOUT)), 0.5, late)
        self.assertEqual([late[0][3], reset[0][2]], ["client-idle", "server"])

    def stall_after_354(self, version, tls="starttls"):
        cap, client, log = self.record_tls("tls%s-%s-stall-after-354" % (version, tls), "stall-after-354", tls,
                                           version)
        self.logged(log, r"timeout after DATA \(0 bytes\) from localhost\[127\.0\.0\.1\]")
        self.encrypted_ending(cap, version)
        self.late_and_reset(cap)
        # With the keys, the story is the plaintext one, read inside TLS.
        row, rows = self.timeout_finding(cap, list(self.decode) + self.keyed())
        self.assertEqual(row[1:5], ["DATA", "0", "client", "4.4.2"])
        self.assertRegex(row[6], r"(^|;)421 4\.4\.2 after DATA \(0 bytes\): server gave up after 3\.\d{3} s of "
                                 r"client silence$")
        self.late_and_reset(cap, *self.keyed())
        self.assertEqual(self.findings(cap, ["smtp_timeout.mta", "smtp_timeout.encrypted"], *self.decode,
                                       *self.keyed(), display="smtp_timeout.reply_421")[0], ["postfix", "1"])
        hint = self.late_explanation(cap, list(self.decode) + self.keyed())
        self.assertRegex(hint[2], r"^Fix the sender first: find what kept it silent after DATA \(a milter, a "
                                  r"content filter, the application\); as a mitigation, raise the server's timeout "
                                  r"above the 5\.\d{3} s stall: postconf -e smtpd_timeout=300s && postfix reload$")
        return cap


class LiveTls(TlsRecording):
    def test_tls13_stall_after_354(self):
        self.stall_after_354("1.3")

    def test_tls12_stall_after_354(self):
        self.stall_after_354("1.2")

    def test_tls13_stall_after_ehlo(self):
        cap, client, log = self.record_tls("tls13-stall-after-ehlo", "stall-after-ehlo")
        self.logged(log, r"timeout after EHLO from localhost\[127\.0\.0\.1\]")
        self.encrypted_ending(cap, "1.3")
        row, rows = self.timeout_finding(cap, list(self.decode) + self.keyed())
        self.assertEqual(row[1:5], ["EHLO", "", "client", "4.4.2"])

    def test_client_never_finishes_the_handshake(self):
        cap, client, log = self.record("tls-no-finished", "no-finished", "--stall", str(STALL), "--tls",
                                       "starttls")
        self.assertRegex(client[0], r"^no-finished \d+ flight \d+ bytes, then closed$")
        self.logged(log, r"SSL_accept error from localhost\[127\.0\.0\.1\]: Connection timed out")
        self.logged(log, r"lost connection after STARTTLS from localhost\[127\.0\.0\.1\]")
        rows = self.both_passes(cap, ["smtp_timeout.after", "smtp_timeout.tls_stage",
                                      "smtp_timeout.silent_side", "smtp_timeout.server_timeout",
                                      "smtp_timeout.cause", "smtp_timeout.hint", "smtp_timeout.message"])
        closes = [r for r in rows if "Server closed the connection" in r[-1]]
        self.assertEqual(len(closes), 1, rows)
        row = closes[0]
        self.assertEqual(row[0:3], ["STARTTLS", "client-finished", "client"])
        self.assertLess(abs(float(row[3]) - TIMEOUT), 0.5, row)
        self.assertEqual(row[4], "tls-stall")
        self.assertIn("Postfix smtpd_starttls_timeout bounds the server's wait", row[5])
        self.assertRegex(row[6], r"^Server closed the connection during the TLS handshake \(client-finished\) after "
                                 r"STARTTLS: it gave up after 3\.\d{3} s of client silence$")


class LiveImplicitTls(TlsRecording):
    """Postfix in wrapper mode: TLS from the first byte, as on port 465."""

    port = IMPLICIT_PORT
    decode = IMPLICIT_DECODE

    def test_implicit_tls13_stall_after_354(self):
        cap = self.stall_after_354("1.3", "implicit")
        # Without keys the greeting is encrypted: the server's software is
        # not known.
        self.assertEqual(self.findings(cap, ["smtp_timeout.mta"], *self.decode,
                                       display="smtp_timeout.encrypted_close"), [["unknown"]])


class LiveTlsExim(EximCase):
    """Exim (GnuTLS) up to 4.98 answers its timeouts in clear text, even
    inside TLS; 4.100 (sid) inside a TLS record. The server writes the key
    log (SSLKEYLOGFILE)."""

    def exim_keys(self):
        keys = self.scratch("exim-tls.keys")
        shutil.copy(os.path.join(EXIM_DIR, "spool", "tls-keys.log"), keys)
        os.chmod(keys, 0o644)
        return ["-o", "tls.keylog_file:" + keys]

    def exim_stall(self, version, scenario, logged, after):
        cap, client, log = self.record("exim-tls%s-%s" % (version, scenario), scenario, "--stall", str(STALL),
                                       "--tls", "starttls", "--tls-version", version)
        self.logged(log, logged)
        self.without_keys(cap)
        # With the server's keys, the command is known.
        row, rows = self.timeout_finding(cap, EXIM_DECODE + self.exim_keys())
        self.assertEqual(row[1:5], [after, "0" if after == "DATA" else "", "client", ""])
        self.assertEqual(self.findings(cap, ["smtp_timeout.encrypted", "smtp_timeout.cause"], *EXIM_DECODE,
                                       *self.exim_keys(), display="smtp_timeout.reply_421")[0], ["1", "client-idle"])

    def without_keys(self, cap):
        # "421 " at the start of a server segment: the reply in clear text.
        clear = self.tshark("-r", cap, *EXIM_DECODE, "-Y", "tcp.srcport == %d && tcp.payload[0:4] == 34:32:31:20"
                            % EXIM_PORT, "-T", "fields", "-e", "frame.number").split()
        if clear:
            # The 421 in clear text is read all the same.
            row, rows = self.timeout_finding(cap, EXIM_DECODE)
            self.assertEqual(row[1:5], ["", "", "client", ""])
            self.assertRegex(row[6], r"(^|;)421 inside TLS: server gave up after 3\.\d{3} s of client silence$")
            return
        # The 421 as a record: what the records show of it.
        rows = self.findings(cap, FIELDS, *EXIM_DECODE, display="smtp_timeout.encrypted_close")
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][1:5], ["", "", "client", ""])
        self.assertLess(abs(float(rows[0][5]) - TIMEOUT), 0.5, rows)
        self.assertRegex(rows[0][6], r"^Server sent 1 TLS record \(\d+ bytes\) after 3\.\d{3} s of client silence, "
                                     r"then closed: it gave up on the encrypted session$")

    def test_exim_tls13_stall_after_354(self):
        self.exim_stall("1.3", "stall-after-354", r"SMTP data timeout \(message abandoned\) on connection from "
                                                  r"\(client\.smtp-timeout\.test\) \[127\.0\.0\.1\]", "DATA")

    def test_exim_tls12_stall_after_ehlo(self):
        self.exim_stall("1.2", "stall-after-ehlo", r"SMTP command timeout on TLS connection from "
                                                   r"\(client\.smtp-timeout\.test\) \[127\.0\.0\.1\]", "EHLO")

    def test_exim_handshake_timeout(self):
        cap, client, log = self.record("exim-tls-no-finished", "no-finished", "--stall", str(2 * STALL), "--tls",
                                       "starttls")
        self.logged(log, r"TLS error on connection from \(client\.smtp-timeout\.test\) \[127\.0\.0\.1\] "
                         r"\(gnutls_handshake\): timed out")
        self.logged(log, r"SMTP command timeout on connection from")
        # Exim keeps reading clear text after its handshake timer, and its
        # command timer sends the 421: both timers ran in the silence.
        rows = self.findings(cap, ["smtp_timeout.after", "smtp_timeout.tls_stage", "smtp_timeout.idle",
                                   "smtp_timeout.cause", "smtp_timeout.message"], *EXIM_DECODE,
                             display="smtp_timeout.reply_421")
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual([rows[0][0], rows[0][3]], ["STARTTLS", "tls-stall"])
        self.assertLess(abs(float(rows[0][2]) - 2 * TIMEOUT), 0.5, rows)


if __name__ == "__main__":
    unittest.main(verbosity=2)
