# SPDX-License-Identifier: GPL-2.0-or-later
"""The article's session, frame for frame: the figures the issue asks for."""

import re

from stharness import TsharkCase, main, ms

TIMES = ["frame.number", "smtp_timeout.idle", "smtp_timeout.idle_start", "smtp_timeout.server_timeout",
         "smtp_timeout.client_stall", "smtp_timeout.exceeded_by", "smtp_timeout.since_close",
         "smtp_timeout.close_frame", "smtp_timeout.reply_frame"]
SMTP = ["frame.number", "smtp_timeout.after", "smtp_timeout.data_bytes", "smtp_timeout.silent_side",
        "smtp_timeout.reply_code", "smtp_timeout.reply_status", "smtp_timeout.reply_text",
        "smtp_timeout.bytes", "smtp_timeout.rst_from"]

MESSAGES_ONE_PASS = {
    865: ["Client silent for 59.954 s after DATA (0 bytes), since frame 93",
          "421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence"],
    1207: ["Client sent 1024 bytes 30.527 s after the server closed (frame 866): "
           "it stalled 90.481 s, 30.527 s past the server's 59.954 s timeout"],
    1208: ["Server reset the connection 30.527 s after the close in frame 866 (421 reply in frame 865)"],
}
IDLE_START = {93: ["Idle interval starts here: the client stayed silent for 59.954 s, until frame 865"]}


def times(rows):
    return [[r[0]] + [ms(v) for v in r[1:2]] + r[2:3] + [ms(v) for v in r[3:7]] + r[7:] for r in rows]


EXPLANATION = ("The server gave up after 59.954 s, below RFC 5321's 5-minute minimum; cause client-idle: "
               "the client was silent with nothing else on the wire")
HINT_865 = ("Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the "
            "application); as a mitigation, raise Postfix smtpd_timeout (59.954 s here) above the client's stall")
HINT_1207 = ("Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the "
             "application); as a mitigation, raise the server's timeout above the 90.481 s stall: postconf -e "
             "smtpd_timeout=300s && postfix reload")


class Article(TsharkCase):
    def test_plugin_is_the_one_under_test(self):
        self.assert_plugin_loaded()

    def test_messages_one_pass(self):
        self.assertEqual(self.messages(self.capture("article.pcap")), MESSAGES_ONE_PASS)

    def test_messages_two_pass_add_the_idle_start(self):
        expected = dict(MESSAGES_ONE_PASS)
        expected.update(IDLE_START)
        self.assertEqual(self.messages(self.capture("article.pcap"), two_pass=True), expected)

    def test_durations_to_the_millisecond(self):
        for two_pass in (False, True):
            rows = times(self.findings(self.capture("article.pcap"), TIMES, two_pass=two_pass))
            expected = [
                ["865", "59.954", "93", "59.954", "", "", "", "", ""],
                ["1207", "", "93", "59.954", "90.481", "30.527", "30.527", "866", "865"],
                ["1208", "", "", "", "", "", "30.527", "866", "865"],
            ]
            if two_pass:
                expected.insert(0, ["93", "", "", "", "", "", "", "", ""])
            self.assertEqual(rows, expected, "two_pass=%s" % two_pass)

    def test_smtp_values(self):
        rows = self.findings(self.capture("article.pcap"), SMTP)
        self.assertEqual(rows, [
            ["865", "DATA", "0", "client", "421", "4.4.2", "postfix.localdomain Error: timeout exceeded", "", ""],
            ["1207", "", "", "", "", "", "", "1024", ""],
            ["1208", "", "", "", "", "", "", "", "server"],
        ])

    def test_display_filters(self):
        cap = self.capture("article.pcap")
        for flt, frames in [
            ('smtp_timeout.after == "DATA" && smtp_timeout.data_bytes == 0', "865"),
            ('smtp_timeout.reply_status == "4.4.2"', "865"),
            ("smtp_timeout.idle > 59 && smtp_timeout.idle < 60", "865"),
            ("smtp_timeout.exceeded_by > 30", "1207"),
            ("smtp_timeout.rst_after_close", "1208"),
            ("smtp_timeout.data_after_close", "1207"),
            ("smtp_timeout.reply_421", "865"),
            ("smtp_timeout.gap", "865"),
            ('smtp_timeout.silent_side == "client"', "865"),
            ('smtp_timeout.gave_up == "server"', "865 1207"),
            ('smtp_timeout.cause == "client-idle"', "865 1207"),
            ('smtp_timeout.hint contains "smtpd_timeout=300s && postfix reload"', "1207"),
            ("smtp_timeout.below_rfc", "865 1207"),
            ("smtp_timeout.explanation", "865 1207"),
        ]:
            out = self.tshark("-r", cap, "-Y", flt, "-T", "fields", "-e", "frame.number")
            self.assertEqual(out.split(), frames.split(), flt)

    def test_expert_statistics_list_the_findings(self):
        cap = self.capture("article.pcap")
        out = self.tshark("-q", "-r", cap, "-z", "expert,note")
        ours = sorted(tuple(re.split(r"\s{2,}", l.strip())) for l in out.splitlines() if "SMTP-Timeout" in l)
        self.assertEqual(ours, sorted([
            ("1", "Response", "SMTP-Timeout", "421 4.4.2 after DATA (0 bytes): server gave up after "
             "59.954 s of client silence"),
            ("1", "Sequence", "SMTP-Timeout", "Client sent 1024 bytes 30.527 s after the server closed "
             "(frame 866): it stalled 90.481 s, 30.527 s past the server's 59.954 s timeout"),
            ("1", "Sequence", "SMTP-Timeout", "Server reset the connection 30.527 s after the close in "
             "frame 866 (421 reply in frame 865)"),
            ("1", "Sequence", "SMTP-Timeout", "Client silent for 59.954 s after DATA (0 bytes), since frame 93"),
            ("2", "Sequence", "SMTP-Timeout", "The server gave up after 59.954 s, below RFC 5321's 5-minute "
             "minimum; cause client-idle: the client was silent with nothing else on the wire"),
            ("1", "Sequence", "SMTP-Timeout", HINT_865),
            ("1", "Sequence", "SMTP-Timeout", HINT_1207),
        ]))
        two = self.tshark("-2", "-q", "-r", cap, "-z", "expert,note")
        self.assertIn("Idle interval starts here: the client stayed silent for 59.954 s, until frame 865", two)

    def test_packet_details(self):
        out = self.tshark("-r", self.capture("article.pcap"), "-Y", "frame.number == 865", "-O", "smtp_timeout")
        details = out[out.index("[SMTP Timeout Analysis"):].splitlines()
        self.assertEqual([l.rstrip() for l in details], [
            "[SMTP Timeout Analysis: gap, session-ending reply]",
            "    [Reply code: 421]",
            "    [Enhanced status: 4.4.2]",
            "    [Reply text: postfix.localdomain Error: timeout exceeded]",
            "    [Reply class: timeout]",
            "    [Server software: postfix]",
            "    [After: DATA]",
            "    [Message bytes: 0]",
            "    [Silent side: client]",
            "    [Idle: 59.953550000 seconds]",
            "    [Idle since frame: 93]",
            "    [Server timeout: 59.953550000 seconds]",
            "    [Expert Info (Note/Sequence): Client silent for 59.954 s after DATA (0 bytes), since frame 93]",
            "        [Client silent for 59.954 s after DATA (0 bytes), since frame 93]",
            "        [Severity level: Note]",
            "        [Group: Sequence]",
            "    [Expert Info (Warning/Response): 421 4.4.2 after DATA (0 bytes): server gave up after "
            "59.954 s of client silence]",
            "        [421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence]",
            "        [Severity level: Warning]",
            "        [Group: Response]",
            "    [Gave up: server]",
            "    [Cause: client-idle]",
            "    [Below RFC 5321 minimum: True]",
            "    [Expert Info (Note/Sequence): " + EXPLANATION + "]",
            "        [" + EXPLANATION + "]",
            "        [Severity level: Note]",
            "        [Group: Sequence]",
            "    [Hint: " + HINT_865 + "]",
            "    [Expert Info (Note/Sequence): " + HINT_865 + "]",
            "        [" + HINT_865 + "]",
            "        [Severity level: Note]",
            "        [Group: Sequence]",
            "",
        ])


if __name__ == "__main__":
    main()
