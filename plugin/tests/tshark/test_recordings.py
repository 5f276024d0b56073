# SPDX-License-Identifier: GPL-2.0-or-later
"""Real server bytes without a live server: recordings of Postfix 3.7.11
(testdata/postfix) and Exim 4.96 (testdata/exim), with figures that match
the servers' own log lines."""

from stharness import TsharkCase, main

DECODE = ["-d", "tcp.port==10025,smtp"]
STALL_AFTER_354 = {
    12: ["Idle interval starts here: the client stayed silent for 3.004 s, until frame 14"],
    14: ["421 4.4.2 after DATA (0 bytes): server gave up after 3.004 s of client silence"],
    18: ["Client sent 1024 bytes 1.997 s after the server closed (frame 16): it stalled 5.001 s, "
         "1.997 s past the server's 3.004 s timeout"],
    19: ["Server reset the connection 1.997 s after the close in frame 16 (421 reply in frame 14)"],
}


class PostfixRecordings(TsharkCase):
    def story(self, name, one_pass=False):
        return self.messages(self.capture("postfix/" + name), *DECODE, two_pass=not one_pass)

    def test_stall_after_354(self):
        # Postfix: "timeout after DATA (0 bytes) from localhost[127.0.0.1]"
        self.assertEqual(self.story("stall-after-354.pcap"), STALL_AFTER_354)
        one_pass = dict(STALL_AFTER_354)
        del one_pass[12]
        self.assertEqual(self.story("stall-after-354.pcap", one_pass=True), one_pass)

    def test_stall_after_354_ipv6(self):
        self.assertEqual(self.story("stall-after-354-ipv6.pcap"), STALL_AFTER_354)

    def test_stall_after_ehlo(self):
        # Postfix: "timeout after EHLO from localhost[127.0.0.1]"
        self.assertEqual(self.story("stall-after-ehlo.pcap"), {
            8: ["Idle interval starts here: the client stayed silent for 3.004 s, until frame 10"],
            10: ["421 4.4.2 after EHLO: server gave up after 3.004 s of client silence"]})

    def test_stall_mid_body(self):
        # Postfix: "timeout after DATA (640 bytes) from localhost[127.0.0.1]"
        self.assertEqual(self.story("stall-mid-body.pcap"), {
            13: ["Idle interval starts here: the client stayed silent for 3.004 s, until frame 15"],
            15: ["421 4.4.2 after DATA (640 bytes): server gave up after 3.004 s of client silence"]})
        rows = self.findings(self.capture("postfix/stall-mid-body.pcap"),
                             ["smtp_timeout.after", "smtp_timeout.data_bytes"], *DECODE)
        self.assertEqual(rows, [["DATA", "640"]])

    def test_starttls_idle(self):
        # Postfix: "lost connection after STARTTLS", after an SSL_accept timeout
        self.assertEqual(self.story("starttls-idle.pcap"), {
            10: ["Idle interval starts here: the client stayed silent for 3.005 s, until frame 12"],
            12: ["Server closed the connection without a reply after STARTTLS: it gave up after "
                 "3.005 s of client silence"]})


class EximRecordings(TsharkCase):
    DECODE = ["-d", "tcp.port==10026,smtp"]

    def test_stall_after_354(self):
        # Exim: "SMTP data timeout (message abandoned) on connection from ..."
        cap = self.capture("exim/exim-stall-after-354.pcap")
        self.assertEqual(self.messages(cap, *self.DECODE), {
            14: ["421 after DATA (0 bytes): server gave up after 3.001 s of client silence"],
            18: ["Client sent 1024 bytes 1.997 s after the server closed (frame 16): it stalled 5.001 s, "
                 "2.000 s past the server's 3.001 s timeout"],
            19: ["Server reset the connection 1.997 s after the close in frame 16 (421 reply in frame 14)"]})
        self.assertEqual(self.findings(cap, ["smtp_timeout.reply_status", "smtp_timeout.reply_text"],
                                       *self.DECODE)[0],
                         ["", "exim.smtp-timeout.test SMTP incoming data timeout - closing connection."])

    def test_stall_after_ehlo(self):
        # Exim: "SMTP command timeout on connection from ..."
        cap = self.capture("exim/exim-stall-after-ehlo.pcap")
        self.assertEqual(self.messages(cap, *self.DECODE, two_pass=True), {
            7: ["Idle interval starts here: the client stayed silent for 3.000 s, until frame 9"],
            9: ["421 after EHLO: server gave up after 3.000 s of client silence"]})


if __name__ == "__main__":
    main()
