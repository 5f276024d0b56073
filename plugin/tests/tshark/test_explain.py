# SPDX-License-Identifier: GPL-2.0-or-later
"""What kind of reply ended the session, and which server software sent it
(smtp_timeout.reply_class, smtp_timeout.mta), on synthetic captures and on
the recordings of real Postfix and Exim."""

from stharness import TsharkCase, main

FIELDS = ["frame.number", "smtp_timeout.reply_class", "smtp_timeout.mta"]


class Explain(TsharkCase):
    def rows(self, name, *extra):
        return self.findings(self.capture(name), FIELDS, *extra)

    def test_article_postfix_timeout(self):
        # The greeting does not say "Postfix"; the 421's text does.
        self.assertEqual(self.rows("article.pcap"), [
            ["865", "timeout", "postfix"], ["1207", "", "postfix"], ["1208", "", "postfix"]])

    def test_exim_without_enhanced_status(self):
        self.assertEqual(self.rows("ipv6-port2525.pcap", "-d", "tcp.port==2525,smtp"), [["8", "timeout", "exim"]])
        self.assertEqual(self.rows("exim/exim-stall-after-ehlo.pcap", "-d", "tcp.port==10026,smtp"),
                         [["9", "timeout", "exim"]])

    def test_policy_reply_from_a_postfix_greeting(self):
        self.assertEqual(self.rows("answer421.pcap"), [["12", "policy", "postfix"]])

    def test_silent_close_has_no_reply_class(self):
        self.assertEqual(self.rows("starttls.pcap"), [
            ["10", "", "postfix"], ["12", "", "postfix"], ["13", "", "postfix"]])

    def test_real_postfix(self):
        self.assertEqual(self.rows("postfix/stall-after-ehlo.pcap", "-d", "tcp.port==10025,smtp"),
                         [["10", "timeout", "postfix"]])

    def test_unknown_server_says_so(self):
        # gap.pcap's greeting is "220 mx.example.net ESMTP": nothing to tell.
        self.assertEqual(self.rows("gap.pcap"), [["11", "", "unknown"]])

    def test_resets_after_a_normal_end_are_chats(self):
        cap = self.capture("quit-reset.pcap")
        self.assertEqual(self.messages(cap), {
            9: ["Client reset the connection after QUIT and 221: a normal ending"],
            18: ["Client reset the connection 0.002 s after the close in frame 16: a normal ending"]})
        chats = self.tshark("-r", cap, "-Y", "smtp_timeout.rst_after_end", "-T", "fields", "-e", "frame.number")
        self.assertEqual(chats.split(), ["9", "18"])
        self.assertEqual(self.tshark("-r", cap, "-Y", "smtp_timeout.rst_after_close"), "")
        summary = self.tshark("-q", "-r", cap, "-z", "expert,chat")
        chats = [" ".join(l.split()) for l in summary[summary.index("Chats"):].splitlines()]
        self.assertIn("1 Sequence SMTP-Timeout Client reset the connection after QUIT and 221: a normal ending", chats)

    def test_filters(self):
        cap = self.capture("answer421.pcap")
        out = self.tshark("-r", cap, "-Y", 'smtp_timeout.reply_class == "policy" && smtp_timeout.mta == "postfix"',
                          "-T", "fields", "-e", "frame.number")
        self.assertEqual(out.split(), ["12"])


if __name__ == "__main__":
    main()
