# SPDX-License-Identifier: GPL-2.0-or-later
"""Captures as they come: IPv6, Decode As, TLS, retransmissions, captures
cut short or started late, noise on port 25.  Right findings, no false ones."""

from stharness import TsharkCase, main, ms

ARTICLE_STORY = {
    865: ["Client silent for 59.954 s after DATA (0 bytes), since frame 93",
          "421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence"],
    1207: ["Client sent 1024 bytes 30.527 s after the server closed (frame 866): "
           "it stalled 90.481 s, 30.527 s past the server's 59.954 s timeout"],
    1208: ["Server reset the connection 30.527 s after the close in frame 866 (421 reply in frame 865)"],
}


class Robustness(TsharkCase):
    def test_retransmissions_duplicates_and_keepalives_are_not_activity(self):
        cap = self.capture("retrans.pcap")
        self.assertEqual(self.messages(cap), {
            17: ["Client silent for 59.954 s after DATA (0 bytes), since frame 12",
                 "421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence"],
            21: ["Client sent 1024 bytes 30.527 s after the server closed (frame 18): "
                 "it stalled 90.481 s, 30.527 s past the server's 59.954 s timeout"],
            22: ["Server reset the connection 30.527 s after the close in frame 18 (421 reply in frame 17)"],
        })

    def test_ipv6_on_a_port_set_with_decode_as(self):
        cap = self.capture("ipv6-port2525.pcap")
        self.assertEqual(self.messages(cap), {}, "port 2525 is no SMTP port without Decode As")
        found = self.findings(cap, ["frame.number", "smtp_timeout.after", "smtp_timeout.reply_code",
                                    "smtp_timeout.reply_status", "smtp_timeout.reply_text",
                                    "smtp_timeout.server_timeout"], "-d", "tcp.port==2525,smtp")
        self.assertEqual([r[:5] + [ms(r[5])] for r in found], [
            ["8", "EHLO", "421", "", "mx.example.com: SMTP command timeout - closing connection", "300.040"]])
        self.assertEqual(self.messages(cap, "-d", "tcp.port==2525,smtp")[8], [
            "Client silent for 300.040 s after EHLO, since frame 6",
            "421 after EHLO: server gave up after 300.040 s of client silence"])

    def test_starttls_never_started_then_tls_bytes_after_close(self):
        cap = self.capture("starttls.pcap")
        self.assertEqual(self.messages(cap, two_pass=True), {
            8: ["Idle interval starts here: the client stayed silent for 3.040 s, until frame 10"],
            10: ["Server closed the connection without a reply after STARTTLS: it gave up after "
                 "3.040 s of client silence"],
            12: ["Client sent 50 bytes 2.000 s after the server closed (frame 10): it stalled 5.040 s, "
                 "2.000 s past the server's 3.040 s timeout"],
            13: ["Server reset the connection 2.000 s after the close in frame 10"],
        })
        self.assertEqual(self.findings(cap, ["smtp_timeout.after"], two_pass=False)[0], ["STARTTLS"])

    def test_421_in_reply_to_a_command_implies_no_timeout(self):
        cap = self.capture("answer421.pcap")
        self.assertEqual(self.messages(cap), {
            12: ["421 4.7.0 in reply to RCPT: server ends the session, not a timeout"]})
        self.assertEqual(self.findings(cap, ["smtp_timeout.silent_side", "smtp_timeout.server_timeout",
                                             "smtp_timeout.reply_text"]),
                         [["server", "", "mx.example.net Error: too many errors"]])

    def test_what_looks_like_trouble_and_is_none(self):
        # false-alarms.pcap: a scanner's SYN from port 25, a 451 4.4.2 the
        # dialogue survives, split multi-line replies, a reply sent again,
        # a shutdown 2 s into a pause, a client closing its own idle session.
        cap = self.capture("false-alarms.pcap")
        story = ["frame.number", "smtp_timeout.message", "smtp_timeout.why", "smtp_timeout.hint"]
        expected = [
            ["70", "421 after MAIL: server ends the session 2.000 s after the last payload",
             "The server ended the session with a reply of class shutdown; cause unknown: the capture does not tell",
             "The server was shutting down: nothing to fix on the client, which should retry later"],
            ["83", "Client silent for 20.000 s after END-OF-MESSAGE (21 bytes), since frame 82", "", ""]]
        self.assertEqual(self.findings(cap, story), expected)
        self.assertEqual(self.findings(cap, story, "-o", "tcp.analyze_sequence_numbers:FALSE"), expected)
        self.assertEqual(self.findings(cap, story, two_pass=True), [expected[0], [
            "82", "Idle interval starts here: the client stayed silent for 20.000 s, until frame 83", "", ""],
            expected[1]])
        self.assertEqual(self.findings(cap, ["smtp_timeout.server_timeout", "smtp_timeout.gave_up"]),
                         [["", "server"], ["", ""]])
        report = self.tshark("-q", "-r", cap, "-z", "smtp_timeout,sessions")
        self.assertIn("Sessions: 5, with findings: 2 (421 shutdown 1, ok 4)", report)
        self.assertNotIn(":514", report)

    def test_capture_starting_mid_session(self):
        # editcap keeps frames 92-1208: the capture starts after the pipelined
        # commands, with the client's ACK; frame numbers move down by 91.
        cap = self.derive("mid.pcap", [self.EDITCAP, "-r", self.capture("article.pcap"), "{out}", "92-1208"])
        self.assertEqual(self.messages(cap, two_pass=True), {
            2: ["Idle interval starts here: the client stayed silent for 59.954 s, until frame 774"],
            774: ["Client silent for 59.954 s after DATA (0 bytes), since frame 2",
                  "421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence"],
            1116: ["Client sent 1024 bytes 30.527 s after the server closed (frame 775): "
                   "it stalled 90.481 s, 30.527 s past the server's 59.954 s timeout"],
            1117: ["Server reset the connection 30.527 s after the close in frame 775 (421 reply in frame 774)"],
        })

    def test_capture_starting_after_the_421(self):
        cap = self.derive("late.pcap", [self.EDITCAP, "-r", self.capture("article.pcap"), "{out}", "866-1208"])
        self.assertEqual(self.messages(cap, two_pass=True), {
            342: ["Client sent 1024 bytes 30.527 s after the server closed (frame 1)"],
            343: ["Server reset the connection 30.527 s after the close in frame 1"],
        })

    def test_snaplen_cut_keeps_what_is_certain(self):
        # 96 bytes keep the start of every reply line: the story survives.
        cap96 = self.derive("snap96.pcap", [self.EDITCAP, "-s", "96", self.capture("article.pcap"), "{out}"])
        self.assertEqual(self.messages(cap96), ARTICLE_STORY)
        self.assertEqual(self.findings(cap96, ["smtp_timeout.reply_text"], display="smtp_timeout.reply_text"),
                         [["postfix.localdomain Error: timeo"]])
        # Headers only: no reply can be read, so nothing is claimed about one.
        cap54 = self.derive("snap54.pcap", [self.EDITCAP, "-s", "54", self.capture("article.pcap"), "{out}"])
        self.assertEqual(self.messages(cap54, two_pass=True), {
            1207: ["Client sent 1024 bytes 30.527 s after the server closed (frame 866)"],
            1208: ["Server reset the connection 30.527 s after the close in frame 866"],
        })

    def test_same_ports_again_and_time_going_back(self):
        # The article twice in one file: the second copy starts 91 s before
        # the first ends, on the same ports and sequence numbers.
        cap = self.derive("twice.pcap", [self.MERGECAP, "-a", "-w", "{out}", self.capture("article.pcap"),
                                         self.capture("article.pcap")])
        # The plugin reads the bytes itself: the second copy's SYN opens a
        # new connection, and the whole story comes again (Wireshark 4.0's
        # TCP calls that copy a retransmission, and its SMTP skips it).
        expected = dict(ARTICLE_STORY)
        expected[2073] = ["Client silent for 59.954 s after DATA (0 bytes), since frame 1301",
                          "421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence"]
        expected[2415] = ["Client sent 1024 bytes 30.527 s after the server closed (frame 2074): "
                          "it stalled 90.481 s, 30.527 s past the server's 59.954 s timeout"]
        expected[2416] = ["Server reset the connection 30.527 s after the close in frame 2074 "
                          "(421 reply in frame 2073)"]
        self.assertEqual(self.messages(cap), expected)

    def test_noise_on_port_25(self):
        cap = self.capture("garbage.pcap")
        self.assertEqual(self.messages(cap, two_pass=True), {})
        self.assertEqual(self.messages(cap, "-o", "smtp_timeout.gap_threshold:1"), {})

    def test_huge_reply_huge_line_and_a_real_switch_to_tls(self):
        # A 10,000-line EHLO reply, a 1 MB command line, 30 s idle inside
        # TLS: the client owed the next record, the gap is its own.
        cap = self.capture("hostile.pcap")
        frames = self.tshark("-r", cap, "-T", "fields", "-e", "frame.number").split()
        self.assertEqual(len(frames), 1208)
        gap = {1204: ["Client silent for 30.000 s inside TLS, since frame 1203"]}
        self.assertEqual(self.messages(cap), gap)
        both = dict(gap)
        both[1203] = ["Idle interval starts here: the client stayed silent for 30.000 s, until frame 1204"]
        self.assertEqual(self.messages(cap, two_pass=True), both)
        self.assertEqual(self.findings(cap, ["smtp_timeout.encrypted", "smtp_timeout.silent_side"]),
                         [["1", "client"]])
        self.assertEqual(self.messages(cap, "-o", "smtp_timeout.gap_threshold:1"), gap)

    def test_random_damage_never_breaks_tshark(self):
        # editcap -E flips bytes at random: tshark must still finish cleanly.
        for seed_rate in ("0.01", "0.05", "0.2"):
            cap = self.derive("damaged-%s.pcap" % seed_rate,
                              [self.EDITCAP, "-E", seed_rate, self.capture("article.pcap"), "{out}"])
            self.tshark("-2", "-r", cap, "-Y", "smtp_timeout", "-V")


if __name__ == "__main__":
    main()
