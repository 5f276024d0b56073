# SPDX-License-Identifier: GPL-2.0-or-later
"""The findings' tags at the end of the Info column: in tshark's default
one-line output (one pass and -2), warnings only by default, notes too when
asked, none when the tags are turned off."""

import re

from stharness import TsharkCase, main

TAG = re.compile(r" (\[(?:SMTP [^\]]*|Data [^\]]* after close|RST after [^\]]*|Client gave up after [^\]]*)\])")
DECODE = ["-d", "tcp.port==10025,smtp"]


class InfoTags(TsharkCase):
    def tags(self, name, *extra, two_pass=False):
        """{frame: [tags]} from tshark's default one-line output."""
        out = self.tshark(*(["-2"] if two_pass else []), "-r", self.capture(name), *DECODE, *extra)
        found = {}
        for line in out.splitlines():
            tags = TAG.findall(line)
            if tags:
                found[int(line.split()[0])] = tags
        return found

    def test_the_article_in_the_packet_list(self):
        line = [l for l in self.tshark("-r", self.capture("article.pcap")).splitlines() if l.split()[0] == "865"][0]
        self.assertTrue(line.endswith("S: 421 4.4.2 postfix.localdomain Error: timeout exceeded "
                                      "[SMTP timeout: client silent 59.954 s after DATA]"), line)
        story = {865: ["[SMTP timeout: client silent 59.954 s after DATA]"],
                 1207: ["[Data 30.527 s after close]"], 1208: ["[RST after close]"]}
        self.assertEqual(self.tags("article.pcap"), story)
        self.assertEqual(self.tags("article.pcap", two_pass=True), story)

    def test_each_kind_of_warning(self):
        self.assertEqual(self.tags("starttls.pcap"), {
            10: ["[SMTP timeout: client silent 3.040 s after STARTTLS, server closed]"],
            12: ["[Data 2.000 s after close]"], 13: ["[RST after close]"]})
        self.assertEqual(self.tags("postfix/tls13-stall-after-354.pcap")[28],
                         ["[SMTP timeout: client silent 3.004 s inside TLS, server closed]"])
        self.assertEqual(self.tags("postfix/blackhole-tls-client.pcap"), {15: ["[Client gave up after 5.005 s]"]})
        self.assertEqual(self.tags("answer421.pcap"), {12: ["[SMTP 421 policy]"]})
        # Notes carry no tag by default.
        self.assertEqual(self.tags("gap.pcap", two_pass=True), {})
        self.assertEqual(self.tags("quit-reset.pcap"), {})

    def test_notes_when_asked(self):
        notes = ["-o", "smtp_timeout.info_tag_notes:TRUE"]
        self.assertEqual(self.tags("gap.pcap", *notes, two_pass=True), {
            9: ["[SMTP idle 15.040 s from here]"], 11: ["[SMTP gap: client silent 15.040 s after DATA]"]})
        self.assertEqual(self.tags("gap.pcap", *notes), {11: ["[SMTP gap: client silent 15.040 s after DATA]"]})
        self.assertEqual(self.tags("quit-reset.pcap", *notes), {
            9: ["[RST after a normal end]"], 18: ["[RST after a normal end]"]})
        self.assertEqual(self.tags("article.pcap", *notes, two_pass=True)[865],
                         ["[SMTP gap: client silent 59.954 s after DATA]",
                          "[SMTP timeout: client silent 59.954 s after DATA]"])

    def test_none_when_turned_off(self):
        off = ["-o", "smtp_timeout.info_tags:FALSE", "-o", "smtp_timeout.info_tag_notes:TRUE"]
        for name in ("article.pcap", "starttls.pcap", "gap.pcap"):
            self.assertEqual(self.tags(name, *off, two_pass=True), {}, name)
        # ...while the findings are all there.
        self.assertEqual(sorted(self.messages(self.capture("article.pcap"), *off)), [865, 1207, 1208])


if __name__ == "__main__":
    main()
