# SPDX-License-Identifier: GPL-2.0-or-later
"""Gaps: tolerated by the server, under and over the threshold, and the
server's own silences."""

from stharness import TsharkCase, main, ms

FIELDS = ["frame.number", "smtp_timeout.silent_side", "smtp_timeout.after", "smtp_timeout.data_bytes",
          "smtp_timeout.idle", "smtp_timeout.idle_start"]


def rows(found):
    return [r[:4] + [ms(r[4])] + r[5:] for r in found]


class Gaps(TsharkCase):
    def test_tolerated_gap_is_a_gap_and_nothing_else(self):
        cap = self.capture("gap.pcap")
        self.assertEqual(self.messages(cap), {
            11: ["Client silent for 15.040 s after DATA (0 bytes), since frame 9"]})
        self.assertEqual(rows(self.findings(cap, FIELDS)), [["11", "client", "DATA", "0", "15.040", "9"]])
        self.assertEqual(self.messages(cap, two_pass=True), {
            9: ["Idle interval starts here: the client stayed silent for 15.040 s, until frame 11"],
            11: ["Client silent for 15.040 s after DATA (0 bytes), since frame 9"]})
        out = self.tshark("-r", cap, "-Y", "smtp_timeout.gap", "-T", "fields", "-e", "smtp_timeout.reply_code",
                          "-e", "smtp_timeout.server_timeout")
        self.assertEqual(out, "\t\n")

    def test_threshold_preference(self):
        cap = self.capture("gap.pcap")
        self.assertEqual(rows(self.findings(cap, FIELDS, "-o", "smtp_timeout.gap_threshold:3")), [
            ["8", "client", "EHLO", "", "4.040", "6"],
            ["11", "client", "DATA", "0", "15.040", "9"]])
        self.assertEqual(self.findings(cap, FIELDS, "-o", "smtp_timeout.gap_threshold:20"), [])
        self.assertEqual(self.findings(cap, FIELDS, "-o", "smtp_timeout.gap_threshold:15"),
                         self.findings(cap, FIELDS))

    def test_server_silences(self):
        cap = self.capture("server-silent.pcap")
        self.assertEqual(rows(self.findings(cap, FIELDS)), [
            ["4", "server", "CONNECT", "", "20.000", "2"],
            # message bytes up to the "." line, which is none of them
            ["12", "server", "END-OF-MESSAGE", "26", "25.040", "10"]])
        self.assertEqual(self.messages(cap, two_pass=True), {
            2: ["Idle interval starts here: the server stayed silent for 20.000 s, until frame 4"],
            4: ["Server silent for 20.000 s after CONNECT, since frame 2"],
            10: ["Idle interval starts here: the server stayed silent for 25.040 s, until frame 12"],
            12: ["Server silent for 25.040 s after END-OF-MESSAGE (26 bytes), since frame 10"]})

    def test_bdat_chunks_are_waited_for(self):
        # The server waits for the bytes a BDAT announces, then owes its 250.
        cap = self.capture("bdat.pcap")
        # The plugin cuts the bytes itself: pipelined chunks are read on
        # every Wireshark version (4.0's SMTP dissector does not split them).
        self.assertEqual(self.messages(cap), {
            13: ["Client silent for 15.040 s after BDAT (1000 bytes), since frame 11"],
            32: ["Server silent for 20.040 s after BDAT (500 bytes), since frame 30"],
            48: ["Server silent for 12.040 s after BDAT (15 bytes), since frame 46"]})
        found = self.findings(cap, ["frame.number", "smtp_timeout.after", "smtp_timeout.silent_side",
                                    "smtp_timeout.cause", "smtp_timeout.hint"])
        self.assertEqual(found[:2], [["13", "BDAT", "client", "", ""], ["32", "BDAT", "server", "", ""]])

    def test_gap_preference_is_listed(self):
        prefs = self.tshark("-G", "defaultprefs")
        self.assertIn("#smtp_timeout.gap_threshold: 10", prefs)


if __name__ == "__main__":
    main()
