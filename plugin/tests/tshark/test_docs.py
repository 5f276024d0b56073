# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's tables name exactly what the plugin registers: every field,
expert info and preference, and nothing that is gone."""

import os
import re

from stharness import TESTDATA, TsharkCase, main

README = os.path.join(TESTDATA, os.pardir, "README.md")


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

    def test_every_preference_is_in_the_readme(self):
        prefs = sorted(re.findall(r"^#(smtp_timeout\.[a-z_]+):", self.tshark("-G", "defaultprefs"), re.M))
        self.assertEqual(sorted(table_names(self.readme, "preference")), prefs)
        self.assertIn("smtp_timeout.gap_threshold", prefs)


if __name__ == "__main__":
    main()
