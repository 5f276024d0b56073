# SPDX-License-Identifier: GPL-2.0-or-later
"""The capture engine's rules, through both front ends (the plugin in tshark
and the native reader), which must say the same:

- a capture that begins inside message bodies, each starting with a quoted
  "421 4.4.2 ... timeout exceeded" line, is read with the right roles and
  no finding, and teaches no port: an FTP, an HTTP and an IMAP connection
  after 31 such sessions give no finding (midbody.pcap);
- a "421-" line inside a multi-line 250 reply is no reply of its own; the
  report's "after" cell and its byte count come from one note; frames with
  one time stamp, a clock that jumps ten years ahead or goes back a minute
  measure nothing (edges.pcap);
- a connection attempt that is never answered, or refused, costs no
  session: it is counted per server;
- what the analysis could not read is said once a session, at the lowest
  severity (smtp_timeout.not_analysed, Chat), and counted in the row."""

import csv
import io
import os
import struct
import subprocess

from stharness import TsharkCase, main

READ = os.environ["SMTP_TIMEOUT_READ"]


def rows_of(text):
    return list(csv.DictReader(io.StringIO(text[text.index("session,client,"):])))


def syn_probe_capture(path):
    """Two clients whose SYNs to port 25 are never answered (sent three
    times), one refused by a reset, and one session that completes: four
    frames of attempts each, pcap with Ethernet."""
    frames = []

    def tcp(t, src, dst, sport, dport, flags, seq, ack=0, payload=b""):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0, 64, 6, 0, bytes(src), bytes(dst))
        seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
        frames.append((t, b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + seg))

    server, a, b, c = [198, 51, 100, 70], [192, 0, 2, 70], [192, 0, 2, 71], [192, 0, 2, 72]
    for t in (0.0, 1.0, 3.0):
        tcp(t, a, server, 40000, 25, 0x02, 1000)
        tcp(t + 0.1, b, server, 40001, 25, 0x02, 2000)
    tcp(10.0, c, server, 40002, 25, 0x02, 3000)
    tcp(10.001, server, c, 25, 40002, 0x14, 0, 3001)          # RST+ACK: refused
    tcp(20.0, a, server, 40003, 25, 0x02, 4000)
    tcp(20.001, server, a, 25, 40003, 0x12, 9000, 4001)       # SYN+ACK
    tcp(20.002, a, server, 40003, 25, 0x10, 4001, 9001)
    tcp(20.010, server, a, 25, 40003, 0x18, 9001, 4001, b"220 mx.example.net ESMTP\r\n")
    tcp(20.020, a, server, 40003, 25, 0x18, 4001, 9027, b"QUIT\r\n")
    tcp(20.030, server, a, 25, 40003, 0x18, 9027, 4007, b"221 Bye\r\n")
    tcp(20.031, server, a, 25, 40003, 0x11, 9036, 4007)
    tcp(20.040, a, server, 40003, 25, 0x11, 4007, 9037)
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames:
            out.write(struct.pack("<IIII", 1700000000 + int(t), round((t % 1) * 1e6), len(frame), len(frame)))
            out.write(frame)
    os.chmod(path, 0o644)


class Engine(TsharkCase):
    def both(self, path, *extra):
        """The rows of both engines, which must be equal."""
        native = subprocess.run([READ] + list(extra) + [path], stdout=subprocess.PIPE, encoding="utf-8",
                                check=True).stdout
        plugin = self.tshark("-q", "-r", path, *extra, "-z", "smtp_timeout,sessions,csv")
        plugin = plugin[plugin.index("session,client,"):]
        self.assertEqual(native, plugin)
        return rows_of(plugin)

    def test_midbody_roles_and_no_learnt_ports(self):
        cap = self.capture("midbody.pcap")
        rows = self.both(cap)
        self.assertEqual(len(rows), 31)
        for i, row in enumerate(rows):
            self.assertEqual((row["session"], row["client"], row["server"], row["ending"], row["findings"]),
                             (str(1 + 8 * i), "192.0.2.%d:%d" % (90 + i, 51000 + i), "198.51.100.40:25", "ok",
                              "0"))
        for two_pass in (False, True):
            self.assertEqual(self.findings(cap, ["frame.number"], two_pass=two_pass), [])
        report = self.tshark("-q", "-r", cap, "-z", "smtp_timeout,sessions")
        self.assertIn("Sessions: 31, with findings: 0 (ok 31)", report)

    def test_edges_rows(self):
        cap = self.capture("edges.pcap")
        rows = {r["session"]: r for r in self.both(cap)}
        self.assertEqual(sorted(rows, key=int), ["1", "12", "30", "40", "50"])
        # c: the 421- line belongs to the EHLO reply.
        self.assertEqual((rows["1"]["ending"], rows["1"]["findings"]), ("ok", "0"))
        # n: the NOOP wait's own cells, not the body's byte count.
        self.assertEqual([rows["12"][k] for k in ("after", "data_bytes", "idle_s", "findings", "finding_frames")],
                         ["NOOP", "", "15.000", "2", "21 24"])
        untimed = ("Fix the sender first: find what kept it silent after DATA (a milter, a content filter, "
                   "the application); as a mitigation, raise Postfix smtpd_timeout above the client's stall")
        for session in ("30", "40", "50"):
            row = rows[session]
            self.assertEqual([row[k] for k in ("ending", "after", "idle_s", "server_timeout_s", "gave_up", "hint")],
                             ["421 timeout", "DATA (0 bytes)", "", "", "server", untimed], session)

    def test_edges_in_the_tree_and_the_report(self):
        cap = self.capture("edges.pcap")
        for two_pass in (False, True):
            found = self.findings(cap, ["frame.number", "smtp_timeout.finding", "smtp_timeout.idle"],
                                  two_pass=two_pass)
            # The 421s of z (38), j (48) and k (58): no idle; n's two gaps.
            self.assertEqual({r[0] for r in found if r[0] in ("38", "48", "58")}, {"38", "48", "58"})
            self.assertEqual([r[2] for r in found if r[0] in ("38", "48", "58")], ["", "", ""])
            self.assertNotIn("6", [r[0] for r in found])
        report = self.tshark("-q", "-r", cap, "-z", "smtp_timeout,sessions")
        self.assertIn("Frames whose time went back or jumped ahead (nothing measured across them): 2", report)

    def test_attempts_are_no_sessions(self):
        cap = self.scratch("attempts.pcap")
        syn_probe_capture(cap)
        rows = self.both(cap)
        self.assertEqual([(r["session"], r["client"], r["ending"]) for r in rows],
                         [("9", "192.0.2.70:40003", "ok")])
        attempts = subprocess.run([READ, "--attempts", cap], stdout=subprocess.PIPE, encoding="utf-8",
                                  check=True).stdout
        self.assertEqual(attempts, "server,first_frame,unanswered,refused,syns\n198.51.100.70:25,1,2,1,7\n")
        report = self.tshark("-q", "-r", cap, "-z", "smtp_timeout,sessions")
        self.assertIn("Sessions: 1, with findings: 0 (ok 1)", report)
        self.assertIn("Connection attempts that never became sessions, by server:\n"
                      "  198.51.100.70:25                         first frame 1: 2 never answered, 1 refused "
                      "(7 SYNs)\n", report)


    def test_not_analysed_is_said(self):
        noise = ("Not analysed: server bytes that are no SMTP reply. Who owes the next word is unknown until a "
                 "reply can be read again")
        clock = "Not analysed: a jump of the capture's clock (back, or over a day ahead): nothing is measured across it"
        cut = ("Not analysed: bytes the capture cut (its snap length). Who owes the next word is unknown until a "
               "reply can be read again")
        snap96 = self.derive("snap96.pcap", [self.EDITCAP, "-s", "96", self.capture("article.pcap"), "{out}"])
        for cap, expected in ((self.capture("garbage.pcap"), [["5", "not-smtp", noise, "Chat/Sequence"]]),
                              (self.capture("edges.pcap"), [["48", "clock", clock, "Chat/Sequence"],
                                                             ["58", "clock", clock, "Chat/Sequence"]]),
                              (snap96, [["7", "cut", cut, "Chat/Sequence"]])):
            for two_pass in (False, True):
                rows = self.findings(cap, ["frame.number", "smtp_timeout.unread", "smtp_timeout.message",
                                           "_ws.expert"], display="smtp_timeout.not_analysed", two_pass=two_pass)
                got = [[r[0], r[1], [m for m in r[2].split(";") if m.startswith("Not analysed")][0],
                        [e for e in r[3].split(";") if "Not analysed" in e][0].split("(")[1].split(")")[0]]
                       for r in rows]
                self.assertEqual(got, expected, cap)
        self.assertEqual([(r["session"], r["findings"], r["unread"]) for r in self.both(self.capture("garbage.pcap"))],
                         [("1", "0", "1")])
        report = self.tshark("-q", "-r", self.capture("garbage.pcap"), "-z", "smtp_timeout,sessions")
        self.assertIn("Sessions not analysed in full (smtp_timeout.not_analysed says where): 1\n", report)


if __name__ == "__main__":
    main()
