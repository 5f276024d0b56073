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


def without_idle_start(story):
    """The one-pass story: idle-start notes are known only to -2."""
    return {f: m for f, m in story.items() if not m[0].startswith("Idle interval starts here")}


class TlsRecordings(TsharkCase):
    """Postfix and Exim inside TLS, each recording twice: a pcap (no keys:
    TLS records only) and a pcapng holding the keys (editcap
    --inject-secrets), which tshark uses with no option."""

    DECODE = ["-d", "tcp.port==10025,smtp", "-d", "tcp.port==10026,smtp", "-d", "tls.port==10027,smtp"]

    def both_passes(self, name, story):
        cap = self.capture(name)
        self.assertEqual(self.messages(cap, *self.DECODE, two_pass=True), story)
        self.assertEqual(self.messages(cap, *self.DECODE), without_idle_start(story))
        return cap

    def test_tls13_without_keys(self):
        # Postfix: "timeout after DATA (0 bytes) from localhost[127.0.0.1]"
        cap = self.both_passes("postfix/tls13-stall-after-354.pcap", {
            22: ["Idle interval starts here: the client stayed silent for 3.004 s, until frame 28"],
            28: ["Server sent 2 TLS records (73 and 19 bytes) after 3.004 s of client silence, then closed: it gave "
                 "up on the encrypted session"],
            30: ["Client sent 1046 bytes 1.997 s after the server closed (frame 28): it stalled 5.001 s, 1.997 s past "
                 "the server's 3.004 s timeout"],
            31: ["Server reset the connection 1.997 s after the close in frame 28"]})
        self.assertEqual(self.findings(cap, ["frame.number", "smtp_timeout.encrypted", "smtp_timeout.records",
                                             "smtp_timeout.record_sizes", "smtp_timeout.gave_up",
                                             "smtp_timeout.cause", "smtp_timeout.mta", "smtp_timeout.after"],
                                       *self.DECODE),
                         [["28", "1", "2", "73,19", "server", "client-idle", "postfix", ""],
                          ["30", "1", "", "", "server", "client-idle", "postfix", ""],
                          ["31", "1", "", "", "", "", "postfix", ""]])
        report = self.tshark("-q", "-r", cap, *self.DECODE, "-z", "smtp_timeout,sessions,csv").splitlines()
        self.assertEqual(report[1].split(",")[3:11],
                         ["postfix", "encrypted timeout", "", "", "3.004", "3.004", "5.001", "server"])

    def test_tls13_with_keys(self):
        story = {
            22: ["Idle interval starts here: the client stayed silent for 3.004 s, until frame 24"],
            24: ["421 4.4.2 after DATA (0 bytes): server gave up after 3.004 s of client silence"],
            30: ["Client sent 1046 bytes 1.997 s after the server closed (frame 28): it stalled 5.001 s, 1.997 s past "
                 "the server's 3.004 s timeout"],
            31: ["Server reset the connection 1.997 s after the close in frame 28 (421 reply in frame 24)"]}
        cap = self.both_passes("postfix/tls13-stall-after-354-keys.pcapng", story)
        report = self.tshark("-q", "-r", cap, *self.DECODE, "-z", "smtp_timeout,sessions,csv").splitlines()
        self.assertEqual(report[1].split(",")[3:11],
                         ["postfix", "421 timeout", "DATA (0 bytes)", "0", "3.004", "3.004", "5.001", "server"])
        # The same keys as a key log file, given with -o, tell the same.
        keys = self.capture("postfix/tls13-stall-after-354.keys")
        plain = self.capture("postfix/tls13-stall-after-354.pcap")
        self.assertEqual(self.messages(plain, *self.DECODE, "-o", "tls.keylog_file:" + keys, two_pass=True), story)

    def test_tls12(self):
        self.both_passes("postfix/tls12-stall-after-354.pcap", {
            20: ["Idle interval starts here: the client stayed silent for 3.001 s, until frame 26"],
            26: ["Server sent 2 TLS records (80 and 26 bytes) after 3.001 s of client silence, then closed: it gave "
                 "up on the encrypted session"],
            28: ["Client sent 1053 bytes 1.999 s after the server closed (frame 26): it stalled 5.000 s, 2.000 s past "
                 "the server's 3.001 s timeout"],
            29: ["Server reset the connection 1.999 s after the close in frame 26"]})
        self.both_passes("postfix/tls12-stall-after-354-keys.pcapng", {
            20: ["Idle interval starts here: the client stayed silent for 3.001 s, until frame 22"],
            22: ["421 4.4.2 after DATA (0 bytes): server gave up after 3.001 s of client silence"],
            28: ["Client sent 1053 bytes 1.999 s after the server closed (frame 26): it stalled 5.000 s, 2.000 s past "
                 "the server's 3.001 s timeout"],
            29: ["Server reset the connection 1.999 s after the close in frame 26 (421 reply in frame 22)"]})

    def test_implicit_tls(self):
        # Postfix in wrapper mode (TLS from the first byte, as on 465).
        self.both_passes("postfix/implicit-tls13-stall-after-354.pcap", {
            18: ["Idle interval starts here: the client stayed silent for 3.003 s, until frame 24"],
            24: ["Server sent 2 TLS records (73 and 19 bytes) after 3.003 s of client silence, then closed: it gave "
                 "up on the encrypted session"],
            26: ["Client sent 1046 bytes 1.997 s after the server closed (frame 24): it stalled 5.000 s, 1.997 s past "
                 "the server's 3.003 s timeout"],
            27: ["Server reset the connection 1.997 s after the close in frame 24"]})
        cap = self.both_passes("postfix/implicit-tls13-stall-after-354-keys.pcapng", {
            18: ["Idle interval starts here: the client stayed silent for 3.003 s, until frame 20"],
            20: ["421 4.4.2 after DATA (0 bytes): server gave up after 3.003 s of client silence"],
            26: ["Client sent 1046 bytes 1.997 s after the server closed (frame 24): it stalled 5.000 s, 1.997 s past "
                 "the server's 3.003 s timeout"],
            27: ["Server reset the connection 1.997 s after the close in frame 24 (421 reply in frame 20)"]})
        # The greeting, read inside TLS, names the server.
        self.assertEqual(self.findings(cap, ["frame.number", "smtp_timeout.mta"], *self.DECODE),
                         [["20", "postfix"], ["26", "postfix"], ["27", "postfix"]])

    def test_handshake_never_finished(self):
        # Postfix: "SSL_accept error ... Connection timed out", "lost connection after STARTTLS"
        cap = self.both_passes("postfix/tls-no-finished.pcap", {
            12: ["Idle interval starts here: the client stayed silent for 3.003 s, until frame 14"],
            14: ["Server closed the connection during the TLS handshake (client-finished) after STARTTLS: it gave up "
                 "after 3.003 s of client silence"]})
        self.assertEqual(self.findings(cap, ["smtp_timeout.tls_stage", "smtp_timeout.cause", "smtp_timeout.hint"],
                                       *self.DECODE), [[
            "client-finished", "tls-stall", "Fix the TLS negotiation first: check TLS versions and ciphers on both "
            "sides, and the path MTU (large certificate flights); Postfix smtpd_starttls_timeout bounds the server's "
            "wait"]])

    def test_clean_sessions(self):
        # Ten sessions, each closing with close_notify: chat notes at most.
        for name in ("postfix/tls-clean.pcap", "postfix/tls-clean-keys.pcapng"):
            cap = self.capture(name)
            self.assertEqual(self.tshark("-r", cap, *self.DECODE, "-Y", "smtp_timeout && !smtp_timeout.rst_after_end"),
                             "")
            report = self.tshark("-q", "-r", cap, *self.DECODE, "-z", "smtp_timeout,sessions")
            self.assertIn("Sessions: 10, with findings: 0 (ok 10)", report)

    def test_exim_answers_in_clear(self):
        # Exim: "SMTP data timeout (message abandoned) on connection from ..."
        self.both_passes("exim/exim-tls13-stall-after-354.pcap", {
            21: ["Idle interval starts here: the client stayed silent for 3.000 s, until frame 23"],
            23: ["421 inside TLS: server gave up after 3.000 s of client silence"],
            27: ["Client sent 1046 bytes 1.998 s after the server closed (frame 25): it stalled 5.001 s, 2.000 s past "
                 "the server's 3.000 s timeout"],
            28: ["Server reset the connection 1.998 s after the close in frame 25 (421 reply in frame 23)"]})
        self.both_passes("exim/exim-tls13-stall-after-354-keys.pcapng", {
            21: ["Idle interval starts here: the client stayed silent for 3.000 s, until frame 23"],
            23: ["421 after DATA (0 bytes): server gave up after 3.000 s of client silence"],
            27: ["Client sent 1046 bytes 1.998 s after the server closed (frame 25): it stalled 5.001 s, 2.000 s past "
                 "the server's 3.000 s timeout"],
            28: ["Server reset the connection 1.998 s after the close in frame 25 (421 reply in frame 23)"]})


class OpenSmtpdRecordings(TsharkCase):
    """OpenSMTPD 6.8: a fixed 300 s timer, a close and no 421; a 500 to
    pipelining, and a close the client's QUIT crosses."""

    def test_timeouts_and_a_refused_pipeline(self):
        cap = self.capture("opensmtpd/opensmtpd-timeouts.pcap")
        decode = ["-d", "tcp.port==10030,smtp"]
        fixed = "Fix the sender first: find what kept it silent after %s (a milter, a content filter, the " \
                "application); on the server side: nothing: OpenSMTPD's 300 s timeout is fixed at build time"
        story = {
            14: ["Idle interval starts here: the client stayed silent for 300.035 s, until frame 40"],
            23: ["Idle interval starts here: the client stayed silent for 300.002 s, until frame 42"],
            40: ["Client silent for 300.035 s after DATA (0 bytes), since frame 14",
                 "Server closed the connection without a reply after DATA (0 bytes): it gave up after 300.035 s of "
                 "client silence"],
            42: ["Client silent for 300.002 s after EHLO, since frame 23",
                 "Server closed the connection without a reply after EHLO: it gave up after 300.002 s of client "
                 "silence"],
            44: ["Client sent 1024 bytes 9.966 s after the server closed (frame 40): it stalled 310.000 s, 9.966 s "
                 "past the server's 300.035 s timeout"],
            45: ["Server reset the connection 9.966 s after the close in frame 40"]}
        self.assertEqual(self.messages(cap, *decode, two_pass=True), story)
        self.assertEqual(self.messages(cap, *decode), without_idle_start(story))
        self.assertEqual(self.findings(cap, ["frame.number", "smtp_timeout.mta", "smtp_timeout.timer",
                                             "smtp_timeout.hint"], *decode, display="smtp_timeout.silent_close"),
                         [["40", "opensmtpd", "OpenSMTPD's fixed session timeout (300 s)", fixed % "DATA"],
                          ["42", "opensmtpd", "OpenSMTPD's fixed session timeout (300 s)", fixed % "EHLO"]])
        report = self.tshark("-q", "-r", cap, *decode, "-z", "smtp_timeout,sessions")
        self.assertIn("Sessions: 3, with findings: 2 (silent close 2, ok 1)", report)


MTU_HINT = ("Fix the network path first: full-size segments do not get through (an MTU black hole); allow ICMP "
            "fragmentation-needed on the path or clamp the TCP MSS")


class BlackHoleRecordings(TsharkCase):
    """A real path-MTU black hole (network namespaces, a 1280-byte hop, ICMP
    "fragmentation needed" dropped), each session captured at the client and
    at the server at once.  Postfix on port 25: no Decode As."""

    FIELDS = ["frame.number", "smtp_timeout.after", "smtp_timeout.data_bytes", "smtp_timeout.silent_side",
              "smtp_timeout.idle_start", "smtp_timeout.gave_up", "smtp_timeout.cause", "smtp_timeout.tls_stage",
              "smtp_timeout.why", "smtp_timeout.hint"]

    def both_passes(self, name, story, rows):
        cap = self.capture(name)
        self.assertEqual(self.messages(cap, two_pass=True), story)
        self.assertEqual(self.messages(cap), without_idle_start(story))
        self.assertEqual(self.findings(cap, self.FIELDS), rows)

    def test_body_lost_seen_at_the_client(self):
        # Postfix: "timeout after DATA (0 bytes) from unknown[198.18.1.2]"
        self.both_passes("postfix/blackhole-data-client.pcap", {
            12: ["Idle interval starts here: the client stayed silent for 3.001 s, until frame 28"],
            28: ["421 4.4.2 after DATA (0 bytes): server gave up after 3.001 s of client silence"]},
            [["28", "DATA", "0", "client", "12", "server", "mtu-blackhole", "",
              "The server gave up after 3.001 s, below RFC 5321's 5-minute minimum; cause mtu-blackhole: full-size "
              "client segments sent again 8 times and never answered", MTU_HINT]])

    def test_body_lost_seen_at_the_server(self):
        self.both_passes("postfix/blackhole-data-server.pcap", {
            12: ["Idle interval starts here: the client stayed silent for 3.001 s, until frame 15"],
            15: ["421 4.4.2 after DATA (0 bytes): server gave up after 3.001 s of client silence"]},
            [["15", "DATA", "0", "client", "12", "server", "mtu-blackhole", "",
              "The server gave up after 3.001 s, below RFC 5321's 5-minute minimum; cause mtu-blackhole: 7240 bytes "
              "of the client's segments never arrived, and its peer never acknowledged them", MTU_HINT]])

    def test_tls_flight_lost_seen_at_the_client(self):
        # Postfix: "SSL_accept error from unknown[198.18.1.2]: lost connection"
        self.both_passes("postfix/blackhole-tls-client.pcap", {
            15: ["Client closed the connection after 5.005 s waiting for the server's TLS flight (server-hello): it "
                 "gave up"]},
            [["15", "STARTTLS", "", "server", "12", "client", "mtu-blackhole", "server-hello",
              "The client gave up after 5.005 s; cause mtu-blackhole: 2896 bytes of the server's segments never "
              "arrived, and its peer never acknowledged them", MTU_HINT]])

    def test_tls_flight_lost_seen_at_the_server(self):
        self.both_passes("postfix/blackhole-tls-server.pcap", {
            23: ["Client closed the connection after 5.005 s waiting for the server's TLS flight (server-hello): it "
                 "gave up"]},
            [["23", "STARTTLS", "", "server", "11", "client", "mtu-blackhole", "server-hello",
              "The client gave up after 5.005 s; cause mtu-blackhole: full-size server segments sent again 6 times "
              "and never answered", MTU_HINT]])


class CaptureFormats(TsharkCase):
    """The stall after 354 as dumpcap wrote it in pcapng and as `tcpdump -i
    any` wrote it (Linux cooked headers, v2), at the same time."""

    def test_same_story_in_every_format(self):
        story = {14: ["421 4.4.2 after DATA (0 bytes): server gave up after 3.003 s of client silence"],
                 18: ["Client sent 1024 bytes 1.997 s after the server closed (frame 16): it stalled 5.000 s, 1.997 s "
                      "past the server's 3.003 s timeout"],
                 19: ["Server reset the connection 1.997 s after the close in frame 16 (421 reply in frame 14)"]}
        for name in ("postfix/stall-after-354.pcapng", "postfix/stall-after-354-any.pcap"):
            cap = self.capture(name)
            self.assertEqual(self.messages(cap, "-d", "tcp.port==10025,smtp"), story, name)
            self.assertEqual(self.messages(cap, "-d", "tcp.port==10025,smtp", two_pass=True)[12],
                             ["Idle interval starts here: the client stayed silent for 3.003 s, until frame 14"])


if __name__ == "__main__":
    main()
