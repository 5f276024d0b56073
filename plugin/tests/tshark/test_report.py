# SPDX-License-Identifier: GPL-2.0-or-later
"""The reports a reviewer runs first: `-z smtp_timeout,sessions` (text and
CSV) and the stats tree `-z smtp_timeout,tree`."""

import csv
import io
import os
import re

from stharness import TSHARK, TsharkCase, main

HINT = ("Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the application); "
        "as a mitigation, raise the server's timeout above the 90.481 s stall: postconf -e smtpd_timeout=300s && postfix reload")
POLICY = ("The server refused by policy: fix what its reply names on the client (errors, TLS, authorisation) "
          "before retrying")
LB = ("Fix the network first: raise the idle timeout of the load balancer or firewall between the hosts above "
      "the SMTP timeouts (over 300 s); it reset a connection idle for 240.500 s")
SLOW = ("Fix the server first: it did not answer after DATA for 120.010 s (look at its milters, policy services and "
        "content filters); the client's timer: Postfix smtp_data_init_timeout, Exim command_timeout, "
        "Sendmail confTO_DATAINIT")
RULE = "=" * 66
LINE = "-" * 66


ARTICLE_ID = "1:N+va64JdjnyybqSVlmH6L2+empg="  # Wireshark's communityid of the article's flow


def text_report(header, rows, total):
    return "\n".join(["", RULE, "SMTP sessions (smtp-timeout): with findings first", LINE, header] + rows +
                     [LINE, total, RULE, ""])


class Report(TsharkCase):
    def report(self, cap, *extra):
        return self.tshark("-q", "-r", cap, "-z", "smtp_timeout,sessions", *extra)

    def test_article(self):
        cap = self.capture("article.pcap")
        expected = text_report(
            "Session  Client            Server            Software  Ended        After           Idle (s)  "
            "Timeout (s)  Stall (s)  Gave up  Cause        Community ID                    Hint",
            ["1        192.0.2.45:46281  198.51.100.25:25  postfix   421 timeout  DATA (0 bytes)  59.954    "
             "59.954       90.481     server   client-idle  " + ARTICLE_ID + "  " + HINT],
            "Sessions: 1, with findings: 1 (421 timeout 1)")
        self.assertEqual(self.report(cap), expected)
        self.assertEqual(self.report(cap, "-2"), expected)

    def mixed(self):
        """Healthy sessions, the article's 421 timeout, resets after QUIT, a
        policy 421, a load balancer's reset and a client that gave up (the
        last two cut out of causes.pcap by tshark)."""
        two = self.derive("two.pcap", [TSHARK, "-r", self.capture("causes.pcap"), "-Y",
                                       "tcp.port == 41012 || tcp.port == 41008", "-w", "{out}"])
        return self.derive("mixed.pcap", [self.MERGECAP, "-a", "-w", "{out}"] + [
            self.capture(n) for n in ("clean.pcap", "article.pcap", "quit-reset.pcap", "answer421.pcap")] + [two])

    def community_ids(self, cap):
        """Wireshark's own communityid of each TCP flow, by client port (the
        field is the protocol's own up to 4.4, communityid.hash from 4.6)."""
        xy = tuple(int(n) for n in os.environ["WIRESHARK_XY"].split("."))
        field = "communityid.hash" if xy >= (4, 6) else "communityid"
        out = self.tshark("-r", cap, "--enable-protocol", "communityid", "-Y", "tcp.flags.syn == 1 && "
                          "tcp.flags.ack == 0", "-T", "fields", "-e", "tcp.srcport", "-e", field)
        return dict(line.split("\t") for line in out.splitlines())

    def test_mixed_capture(self):
        cap = self.mixed()
        out = self.report(cap)
        ids = self.community_ids(cap)
        self.assertEqual(len(ids), 9)
        self.assertEqual(out, text_report(
            "Session  Client                Server              Software  Ended            After           "
            "Idle (s)  Timeout (s)  Stall (s)  Gave up    Cause        Community ID                    Hint",
            ["59       192.0.2.45:46281      198.51.100.25:25    postfix   421 timeout      DATA (0 bytes)  "
             "59.954    59.954       90.481     server     client-idle  %s  " % ids["46281"] + HINT,
             "1285     192.0.2.50:44000      198.51.100.28:25    postfix   421 policy       RCPT            "
             "0.010                             server     unknown      %s  " % ids["44000"] + POLICY,
             "1301     192.0.2.10:41008      198.51.100.25:25    postfix   middlebox reset  EHLO            "
             "240.500                           middlebox  client-idle  %s  " % ids["41008"] + LB,
             "1308     192.0.2.10:41012      198.51.100.25:25    postfix   client gave up   DATA (0 bytes)  "
             "120.010                           client     server-slow  %s  " % ids["41012"] + SLOW,
             "1        192.0.2.10:40001      198.51.100.25:25    postfix   ok                                 "
             "                                                        " + ids["40001"],
             "13       192.0.2.11:40002      198.51.100.25:25    postfix   ok                                 "
             "                                                        " + ids["40002"],
             "42       [2001:db8::11]:40003  [2001:db8::25]:587  unknown   ok                                 "
             "                                                        " + ids["40003"],
             "1267     192.0.2.90:48000      198.51.100.32:25    postfix   ok                                 "
             "                                                        " + ids["48000"],
             "1276     192.0.2.91:48001      198.51.100.32:25    postfix   ok                                 "
             "                                                        " + ids["48001"]],
            "Sessions: 9, with findings: 4 (421 timeout 1, 421 policy 1, middlebox reset 1, client gave up 1, "
            "ok 5)\n"
            # mergecap -a put five captures of other days one after the other.
            "Frames whose time went back or jumped ahead (nothing measured across them): 4"))

    def test_csv(self):
        out = self.tshark("-q", "-r", self.mixed(), "-z", "smtp_timeout,sessions,csv")
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual(list(rows[0].keys()), [
            "session", "client", "server", "mta", "ending", "after", "data_bytes", "idle_s", "server_timeout_s",
            "client_stall_s", "gave_up", "cause", "hint", "findings", "finding_frames", "community_id", "unread"])
        self.assertEqual([r["session"] for r in rows], ["59", "1285", "1301", "1308", "1", "13", "42", "1267", "1276"])
        self.assertEqual(rows[0], {
            "session": "59", "client": "192.0.2.45:46281", "server": "198.51.100.25:25", "mta": "postfix",
            "ending": "421 timeout", "after": "DATA (0 bytes)", "data_bytes": "0", "idle_s": "59.954",
            "server_timeout_s": "59.954", "client_stall_s": "90.481", "gave_up": "server", "cause": "client-idle",
            "hint": HINT, "findings": "4", "finding_frames": "923 1265 1266", "community_id": ARTICLE_ID,
            "unread": "0"})
        self.assertEqual((rows[1]["ending"], rows[1]["findings"], rows[1]["finding_frames"], rows[1]["hint"]),
                         ("421 policy", "1", "1296", POLICY))
        self.assertEqual([(r["ending"], r["gave_up"], r["idle_s"]) for r in rows[2:4]],
                         [("middlebox reset", "middlebox", "240.500"), ("client gave up", "client", "120.010")])
        self.assertEqual({(r["ending"], r["findings"], r["cause"], r["hint"]) for r in rows[4:]},
                         {("ok", "0", "", "")})
        # Every row's Community ID is Wireshark's own, IPv4 and IPv6 alike.
        ids = self.community_ids(self.mixed())
        self.assertEqual([r["community_id"] for r in rows], [ids[r["client"].rsplit(":", 1)[1]] for r in rows])
        self.assertEqual(rows[6]["client"], "[2001:db8::11]:40003")

    def test_tree_counts_match_the_findings(self):
        cap = self.capture("article.pcap")
        tree = self.tshark("-2", "-q", "-r", cap, "-z", "smtp_timeout,tree")
        counts = {}
        for line in tree.splitlines():
            m = re.match(r"^( ?)(\S.*?)\s{2,}(\d+)\s", line)
            if m:
                counts[(m.group(1) == " ", m.group(2))] = int(m.group(3))
        nested = {name: n for (child, name), n in counts.items() if child}
        frames = self.tshark("-2", "-r", cap, "-Y", "smtp_timeout", "-T", "fields", "-E", "occurrence=a",
                             "-E", "aggregator=;", "-e", "smtp_timeout.finding")
        by_finding = {}
        for line in frames.splitlines():
            for name in line.split(";"):
                by_finding[name] = by_finding.get(name, 0) + 1
        self.assertEqual(by_finding, {"idle interval start": 1, "gap": 1, "session-ending reply": 1,
                                      "data after close": 1, "reset after close": 1})
        for name, n in by_finding.items():
            self.assertEqual(nested.get(name), n, name)
        self.assertEqual((nested["timeout"], nested["DATA"], nested["server"], nested["client-idle"],
                          nested["10-59"], nested["60-119"]), (1, 1, 2, 2, 1, 0))
        # Each top node counts its children's ticks.
        top = {name: n for (child, name), n in counts.items() if not child}
        self.assertEqual(top, {"Findings": 5, "Reply class": 1, "Server software": 3, "After": 1, "Gave up": 2,
                               "Cause": 2, "Idle interval (s)": 1})


if __name__ == "__main__":
    main()
