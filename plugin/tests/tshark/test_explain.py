# SPDX-License-Identifier: GPL-2.0-or-later
"""What kind of reply ended the session, which server software sent it,
who gave up, why, and what to change (smtp_timeout.reply_class, .mta,
.gave_up, .cause, .timer, .hint), on synthetic captures and on the
recordings of real Postfix and Exim."""

import stories
from stharness import TSHARK, TsharkCase, main

WHY = ["frame.number", "smtp_timeout.reply_class", "smtp_timeout.mta", "smtp_timeout.gave_up",
       "smtp_timeout.cause", "smtp_timeout.timer"]
HINT = ["frame.number", "smtp_timeout.hint"]
SENDER = "Fix the sender first: find what kept it silent after %s (a milter, a content filter, the application)"

FIELDS = ["frame.number", "smtp_timeout.reply_class", "smtp_timeout.mta"]


POOL = ("Fix the sender first: it kept its connection idle between messages longer than the server's timeout "
        "(300.020 s here), as a connection pool or cache does; keep idle connections for less (Postfix: "
        "smtp_connection_cache_time_limit, within connection_cache_ttl_limit), or check them with NOOP before reuse")

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


class WhyAndWhat(TsharkCase):
    """One session per cause, side and vendor text (testdata/causes.pcap,
    vendors.pcap, classes.pcap, sender-article.pcap)."""

    def why(self, cap, *extra):
        return self.findings(cap, WHY, *extra)

    def hints(self, cap, *extra):
        return {int(f): h for f, h in self.findings(cap, HINT, *extra) if h}

    def test_sender_side_dns_stall(self):
        cap = self.capture("sender-article.pcap")
        self.assertEqual(self.why(cap), [
            ["27", "timeout", "postfix", "server", "dns-lookup", ""],
            ["36", "", "postfix", "server", "dns-lookup", ""],
            ["37", "", "postfix", "", "", ""]])
        self.assertEqual(self.hints(cap), {
            27: "Fix the sender first: it was waiting for DNS (12 queries, none answered); as a mitigation, raise "
                "Postfix smtpd_timeout (59.954 s here) above the client's stall",
            36: "Fix the sender first: it was waiting for DNS (18 queries, none answered); as a mitigation, raise "
                "the server's timeout above the 90.481 s stall: postconf -e smtpd_timeout=300s && postfix reload"})
        messages = self.tshark("-r", cap, "-Y", "frame.number == 36", "-T", "fields", "-e", "_ws.expert.message",
                               "-E", "occurrence=a", "-E", "aggregator=|").strip().split("|")
        self.assertIn("The server gave up after 59.954 s, below RFC 5321's 5-minute minimum; cause dns-lookup: "
                      "18 DNS queries from the client during the silence, none answered", messages)

    def test_dns_that_fails_is_slow_or_is_quick(self):
        # Lookups that fail or answer late explain a stall; a quick one does not.
        cap = self.capture("dns.pcap")
        mitigation = "; as a mitigation, raise Postfix smtpd_timeout (300.040 s here) above the client's stall"
        rows = self.findings(cap, ["frame.number", "smtp_timeout.cause", "smtp_timeout.why", "smtp_timeout.hint"])
        self.assertEqual(rows, [
            ["14", "dns-lookup", "The server gave up after 300.040 s, matching Postfix smtpd_timeout default (300 s); "
                                 "cause dns-lookup: 2 DNS queries from the client during the silence, 1 failed, 1 "
                                 "answered; the slowest answer after 0.003 s",
             "Fix the sender first: its DNS lookups failed (2 queries, 1 failed, 1 answered; the slowest answer "
             "after 0.003 s)" + mitigation],
            ["29", "dns-lookup", "The server gave up after 300.040 s, matching Postfix smtpd_timeout default (300 s); "
                                 "cause dns-lookup: 1 DNS query from the client during the silence, 1 answered; the "
                                 "slowest answer after 8.500 s",
             "Fix the sender first: it was waiting for DNS (1 query, 1 answered; the slowest answer after 8.500 s)" +
             mitigation],
            ["46", "client-idle", "The server gave up after 300.040 s, matching Postfix smtpd_timeout default (300 s); "
                                  "cause client-idle: the client was silent with nothing else on the wire",
             SENDER % "DATA" + mitigation]])

    def test_same_capture_without_dns_is_client_idle(self):
        cap = self.derive("sender-article-nodns.pcap", [TSHARK, "-r", self.capture("sender-article.pcap"),
                                                         "-Y", "!dns", "-w", "{out}"])
        self.assertEqual(self.why(cap), [
            ["15", "timeout", "postfix", "server", "client-idle", ""],
            ["18", "", "postfix", "server", "client-idle", ""],
            ["19", "", "postfix", "", "", ""]])
        self.assertEqual(self.hints(cap)[18], SENDER % "DATA" +
                         "; as a mitigation, raise the server's timeout above the 90.481 s stall: "
                         "postconf -e smtpd_timeout=300s && postfix reload")

    def test_causes_and_sides(self):
        cap = self.capture("causes.pcap")
        self.assertEqual(self.why(cap), [
            ["16", "timeout", "postfix", "server", "mtu-blackhole", "Postfix smtpd_timeout default (300 s)"],
            ["43", "", "postfix", "client", "zero-window", "Postfix client smtp_data_xfer_timeout default (180 s)"],
            ["56", "timeout", "postfix", "server", "packet-loss", "Postfix smtpd_timeout default (300 s)"],
            ["66", "", "postfix", "server", "tls-stall", "Postfix smtpd_timeout default (300 s)"],
            ["83", "timeout", "postfix", "server", "smtp-inspection", "Postfix smtpd_timeout default (300 s)"],
            ["94", "", "postfix", "client", "server-slow", "Postfix client smtp_data_done_timeout and Exim final_timeout defaults (600 s)"],
            ["96", "", "postfix", "", "", ""],
            ["103", "", "postfix", "middlebox", "client-idle", "AWS Network Load Balancer idle timeout default (350 s)"],
            ["104", "", "postfix", "middlebox", "client-idle", "AWS Network Load Balancer idle timeout default (350 s)"],
            ["111", "", "postfix", "middlebox", "client-idle", "Azure Load Balancer idle timeout default (4 min)"],
            ["122", "timeout", "postfix", "server", "client-idle", "Postfix smtpd_timeout default (300 s)"],
            ["125", "", "postfix", "server", "client-idle", "Postfix smtpd_timeout default (300 s)"],
            ["126", "", "postfix", "", "", ""],
            ["133", "timeout", "postfix", "server", "client-idle", "Postfix smtpd_timeout under stress (10 s)"],
            ["149", "timeout", "postfix", "server", "client-idle", "Postfix smtpd_timeout default (300 s)"],
            ["159", "", "postfix", "client", "server-slow", "Postfix client smtp_data_init_timeout default (120 s)"]])
        lb = ("Fix the network first: raise the idle timeout of the load balancer or firewall between the hosts "
              "above the SMTP timeouts (over 300 s); it reset a connection idle for %s")
        self.assertEqual(self.hints(cap), {
            16: "Fix the network path first: full-size segments do not get through (an MTU black hole); allow ICMP "
                "fragmentation-needed on the path or clamp the TCP MSS",
            43: "Fix the server first: it stopped reading (zero window for 179.996 s); check its load, disk and "
                "content filters",
            56: "Fix the network path first: 3 segments were sent again during the silence",
            66: "Fix the TLS negotiation first: check TLS versions and ciphers on both sides, and the path MTU "
                "(large certificate flights); Postfix smtpd_starttls_timeout bounds the server's wait",
            83: "Turn off SMTP inspection on the firewall first (Cisco ASA: no inspect esmtp, PIX: no fixup "
                "protocol smtp 25): it masks the banner and rewrites commands",
            94: "Fix the server first: it did not answer after END-OF-MESSAGE for 600.003 s (look at its milters, "
                "policy services and content filters); the client's timer: Postfix smtp_data_done_timeout, Exim "
                "final_timeout, Sendmail confTO_DATAFINAL",
            103: lb % "350.200 s", 104: lb % "350.200 s", 111: lb % "240.500 s",
            122: POOL, 125: POOL,
            133: "Fix the server first: Postfix is likely in stress mode (a 10 s timeout); raise its process limit "
                 "(default_process_limit, or maxproc of the smtp service in master.cf) rather than smtpd_timeout",
            149: SENDER % "BDAT" + "; as a mitigation, raise Postfix smtpd_timeout (300.030 s here) above the "
                                   "client's stall",
            159: "Fix the server first: it did not answer after DATA for 120.010 s (look at its milters, policy "
                 "services and content filters); the client's timer: Postfix smtp_data_init_timeout, Exim "
                 "command_timeout, Sendmail confTO_DATAINIT"})
        flags = self.findings(cap, ["frame.number", "smtp_timeout.pooled", "smtp_timeout.below_rfc",
                                    "smtp_timeout.after", "smtp_timeout.data_bytes"])
        # A true boolean prints as 1 up to 4.2 and as True from 4.4 on.
        flags = [["1" if value == "True" else value for value in row] for row in flags]
        self.assertIn(["125", "1", "", "", ""], flags)
        self.assertIn(["133", "", "1", "EHLO", ""], flags)
        self.assertIn(["149", "", "", "BDAT", "4000"], flags)
        both = self.tshark("-r", cap, "-Y", "frame.number == 104", "-T", "fields", "-e", "_ws.expert.message",
                           "-E", "occurrence=a", "-E", "aggregator=|").strip().split("|")
        self.assertIn("The middlebox gave up after 350.200 s, matching AWS Network Load Balancer idle timeout "
                      "default (350 s), resets reached both ends; cause client-idle: the client was silent with "
                      "nothing else on the wire", both)

    def test_vendor_texts(self):
        cap = self.capture("vendors.pcap")
        self.assertEqual(self.why(cap), [
            ["9", "timeout", "postfix", "server", "client-idle", "Postfix smtpd_timeout default (300 s)"],
            ["18", "timeout", "exim", "server", "client-idle", "Exim smtp_receive_timeout default (5 min)"],
            ["29", "timeout", "exim", "server", "client-idle", "Exim smtp_receive_timeout default (5 min)"],
            ["38", "timeout", "sendmail", "server", "client-idle", "Sendmail Timeout.datablock/command default (1 h)"],
            ["49", "timeout", "sendmail", "server", "client-idle", "Sendmail Timeout.datablock/command default (1 h)"],
            ["60", "timeout", "exchange", "server", "client-idle",
             "Exchange Edge ConnectionInactivityTimeout default (1 min)"],
            ["71", "timeout", "gmail", "server", "client-idle", ""],
            ["82", "timeout", "qmail", "server", "client-idle", "qmail timeoutsmtpd default (1200 s)"],
            ["93", "timeout", "haraka", "server", "client-idle", "Haraka inactivity_timeout default (300 s)"],
            ["104", "timeout", "ses", "server", "client-idle", ""],
            ["115", "timeout", "nodemailer", "server", "client-idle", ""],
            ["126", "", "opensmtpd", "server", "client-idle", "OpenSMTPD's fixed session timeout (300 s)"]])
        hints = self.hints(cap)
        mitigation = "; as a mitigation, raise %s (%s here) above the client's stall"
        self.assertEqual(hints[18], SENDER % "EHLO" + mitigation % ("Exim smtp_receive_timeout", "300.020 s"))
        self.assertEqual(hints[38], SENDER % "EHLO" + mitigation % ("Sendmail confTO_COMMAND", "3600.100 s"))
        self.assertEqual(hints[49], SENDER % "DATA" + mitigation % ("Sendmail confTO_DATABLOCK", "3600.100 s"))
        self.assertEqual(hints[60], SENDER % "DATA" + mitigation % (
            "Exchange Set-ReceiveConnector -ConnectionInactivityTimeout", "60.030 s"))
        self.assertEqual(hints[71], SENDER % "DATA" + "; on the server side: nothing: the receiving service's "
                                                       "timeout cannot be changed")
        self.assertEqual(hints[82], SENDER % "DATA" + mitigation % ("qmail control/timeoutsmtpd", "1200.050 s"))
        self.assertEqual(hints[93], SENDER % "DATA" + mitigation % ("Haraka inactivity_timeout in config/smtp.ini",
                                                                     "300.020 s"))
        self.assertEqual(hints[126], SENDER % "DATA" + "; on the server side: nothing: OpenSMTPD's 300 s timeout "
                                                        "is fixed at build time")
        below = self.tshark("-r", cap, "-Y", "smtp_timeout.below_rfc", "-T", "fields", "-e", "frame.number")
        self.assertEqual(below.split(), ["60", "71", "104", "115"])

    def test_reply_classes(self):
        cap = self.capture("classes.pcap")
        self.assertEqual(self.why(cap), [
            ["4", "capacity", "unknown", "server", "unknown", ""],
            ["10", "capacity", "postfix", "server", "unknown", ""],
            ["16", "capacity", "unknown", "server", "unknown", ""],
            ["26", "capacity", "gmail", "server", "unknown", ""],
            ["38", "policy", "unknown", "server", "unknown", ""],
            ["50", "policy", "gmail", "server", "unknown", ""],
            ["60", "shutdown", "unknown", "server", "unknown", ""],
            ["70", "shutdown", "unknown", "server", "unknown", ""],
            ["80", "connection-dropped", "unknown", "server", "unknown", ""],
            ["92", "other", "unknown", "server", "unknown", ""]])
        hints = self.hints(cap)
        self.assertEqual(hints[4], "The server is at capacity: the client should retry later; on the server, check "
                                   "its connection limits (Postfix default_process_limit and "
                                   "smtpd_client_connection_count_limit, Exim smtp_accept_max)")
        self.assertEqual(hints[38], "The server refused by policy: fix what its reply names on the client (errors, "
                                    "TLS, authorisation) before retrying")
        self.assertEqual(hints[60], "The server was shutting down: nothing to fix on the client, which should "
                                    "retry later")
        self.assertEqual(hints[80], "The connection itself failed: look for resets and TLS alerts around this "
                                    "reply, and check TLS versions on both sides")
        self.assertEqual(hints[92], "The server ended the session for its own reasons: read its reply text and its "
                                    "log")

    def story(self, cap, two_pass=False):
        """{frame: the frame's sentences}: findings, explanation, hint."""
        args = ["-r", cap, "-Y", "smtp_timeout", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=\x1f",
                "-e", "frame.number", "-e", "smtp_timeout.message", "-e", "smtp_timeout.why", "-e",
                "smtp_timeout.hint"]
        rows = [line.split("\t") for line in self.tshark(*(["-2"] if two_pass else []) + args).splitlines()]
        return {int(r[0]): [m for part in r[1:] for m in part.split("\x1f") if m] for r in rows}

    def test_every_sentence_and_figure(self):
        # One pass; -2 tells the same, and the idle-start notes besides.
        for name, expected in (("causes.pcap", stories.CAUSES), ("vendors.pcap", stories.VENDORS),
                               ("classes.pcap", stories.CLASSES)):
            cap = self.capture(name)
            self.assertEqual(self.story(cap), expected, name)
            two = self.story(cap, two_pass=True)
            starts = {f: m for f, m in two.items() if f not in expected}
            self.assertTrue(all(len(m) == 1 and m[0].startswith("Idle interval starts here: ")
                                for m in starts.values()), starts)
            self.assertEqual({f: m for f, m in two.items() if f in expected}, expected, name)

    def test_healthy_sessions_get_no_cause_or_hint(self):
        for name in ("clean.pcap", "out-of-order.pcap", "gap.pcap", "server-silent.pcap", "quit-reset.pcap",
                     "hostile.pcap", "garbage.pcap"):
            cap = self.capture(name)
            out = self.tshark("-2", "-r", cap, "-Y", "smtp_timeout.cause || smtp_timeout.hint || "
                                                     "smtp_timeout.gave_up", "-T", "fields", "-e", "frame.number")
            self.assertEqual(out, "", name)


if __name__ == "__main__":
    main()
