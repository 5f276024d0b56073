# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's tables name exactly what the plugin registers: every field,
expert info and preference, and nothing that is gone; the core's findings
table, the expert infos Wireshark shows (severity and group), the Info
column's tags and the README's expert-info table agree."""

import os
import re
import subprocess

from stharness import TESTDATA, TsharkCase, main

README = os.path.join(TESTDATA, os.pardir, "README.md")
DUMP = os.environ["SMTP_TIMEOUT_FINDINGS_DUMP"]


def table_names(text, heading):
    """The `smtp_timeout...` names opening the rows of the table whose header
    row starts with HEADING."""
    names, inside = [], False
    for line in text.splitlines():
        if line.startswith("| " + heading + " |"):
            inside = True
        elif inside and not line.startswith("|"):
            inside = False
        elif inside:
            found = re.match(r"^\| `(smtp_timeout[a-z0-9_.]*)` \|", line)
            if found:
                names.append(found.group(1))
    return names


class Docs(TsharkCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(README, encoding="utf-8") as f:
            cls.readme = f.read()

    def registered(self):
        rows = [line.split("\t") for line in self.tshark("-G", "fields").splitlines()]
        protocol = [r[2] for r in rows if len(r) > 2 and r[0] == "P" and r[2] == "smtp_timeout"]
        return protocol + [r[2] for r in rows if len(r) > 4 and r[0] == "F" and r[2].startswith("smtp_timeout.")]

    def test_every_field_and_expert_info_is_in_the_readme(self):
        fields = table_names(self.readme, "field")
        experts = table_names(self.readme, "expert info")
        self.assertEqual(len(fields), len(set(fields)), "a field listed twice")
        self.assertEqual(len(experts), len(set(experts)), "an expert info listed twice")
        self.assertEqual(sorted(fields + experts), sorted(self.registered()))
        self.assertGreaterEqual(len(fields), 34)
        self.assertIn("smtp_timeout.encrypted_close", experts)
        self.assertIn("smtp_timeout", fields)

    def findings_table(self):
        """{expert info: (severity, group, finding name, counted, tagged)} from the core's table."""
        out = subprocess.run([DUMP, "--dump"], stdout=subprocess.PIPE, encoding="utf-8", check=True).stdout
        return {r[0]: (r[1], r[2], r[3], r[4] == "1", r[5] == "1") for r in (l.split("\t") for l in out.splitlines())}

    def readme_severities(self):
        rows = re.findall(r"^\| `(smtp_timeout\.[a-z0-9_]+)` \| (Warning|Note|Chat) \((Sequence|Response)\) \|",
                          self.readme, re.M)
        return {name: (severity, group) for name, severity, group in rows}

    def test_finding_table_readme_and_registration_agree(self):
        table = self.findings_table()
        self.assertEqual(len(table), 10)
        readme = self.readme_severities()
        for expert, (severity, group, _, _, _) in table.items():
            self.assertEqual(readme.get(expert), (severity, group), expert)
        self.assertEqual(sorted(readme), sorted(list(table) + ["smtp_timeout.explanation", "smtp_timeout.hint_note"]))
        # What Wireshark shows for each finding of these captures: the
        # severity and group of its row, and a tag for exactly the warnings.
        by_name = {v[2]: (v[0], v[1]) for v in table.values()}
        warned = {v[2] for v in table.values() if v[0] == "Warning"}
        seen = set()
        tags = ("[SMTP", "[Data ", "[RST after close]", "[Client gave up")
        for name, decode in (("article.pcap", []), ("quit-reset.pcap", []), ("causes.pcap", []),
                             ("starttls.pcap", []), ("garbage.pcap", []),
                             ("postfix/tls13-stall-after-354.pcap", ["-d", "tcp.port==10025,smtp"])):
            cap = self.capture(name)
            out = self.tshark("-2", "-r", cap, *decode, "-Y", "smtp_timeout", "-T", "fields",
                              "-E", "occurrence=a", "-E", "aggregator=\x1f", "-e", "frame.number",
                              "-e", "smtp_timeout.finding", "-e", "smtp_timeout.message", "-e", "_ws.expert")
            # The Info column as the packet list shows it (tshark's one-line
            # output; -e _ws.col.Info does not show a post-dissector's tags
            # on every version).
            info = {l.split()[0]: l for l in self.tshark("-2", "-r", cap, *decode, "-Y", "smtp_timeout").splitlines()}
            for line in out.splitlines():
                frame, findings, messages, experts = (c.split("\x1f") for c in line.split("\t"))
                for finding, message in zip(findings, messages):
                    shown = [e for e in experts if e.endswith("): " + message)]
                    self.assertEqual(len(shown), 1, message)
                    self.assertTrue(shown[0].startswith("Expert Info (%s/%s)" % by_name[finding]), shown[0])
                    seen.add(finding)
                tagged = any(t in info[frame[0]] for t in tags)
                self.assertEqual(tagged, bool(set(findings) & warned), info[frame[0]])
        self.assertEqual(seen, set(by_name))

    def test_every_preference_is_in_the_readme(self):
        prefs = sorted(re.findall(r"^#(smtp_timeout\.[a-z_]+):", self.tshark("-G", "defaultprefs"), re.M))
        self.assertEqual(sorted(table_names(self.readme, "preference")), prefs)
        self.assertIn("smtp_timeout.gap_threshold", prefs)


if __name__ == "__main__":
    main()
