# SPDX-License-Identifier: GPL-2.0-or-later
"""The configuration profile SMTP-Timeout, as the build makes it and the
install puts it: its columns in tshark's one-line output, its colouring
rules (tshark --color), and the expressions of its filter buttons through
its display filter macros."""

import os
import re
import shutil

from stharness import TsharkCase, main

PROFILE = os.environ["SMTP_TIMEOUT_PROFILE"]


def uat_rows(path):
    """The quoted fields of a UAT file's lines (a quote inside is \\x22)."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith('"'):
                rows.append([v.replace("\\x22", '"') for v in re.findall(r'"([^"]*)"', line)])
    return rows


class Profile(TsharkCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A user's own profile, as `tshark -C` makes it from the global one:
        # the user's, who may write it (Wireshark 4.4 rewrites old files).
        target = os.path.join(cls.home, ".config", "wireshark", "profiles", "SMTP-Timeout")
        shutil.copytree(PROFILE, target)
        for root, dirs, files in os.walk(os.path.join(cls.home, ".config")):
            os.chmod(root, 0o755)
            for path in [root] + [os.path.join(root, f) for f in files]:
                if os.geteuid() == 0:
                    os.chown(path, 65534, 65534)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)

    def test_columns_for_the_article(self):
        lines = self.tshark("-C", "SMTP-Timeout", "-r", self.capture("article.pcap"), "-Y", "smtp_timeout").splitlines()
        self.assertEqual([re.sub(r"\s+", " ", l.strip()) for l in lines], [
            "865 60.294410 198.51.100.25 → 192.0.2.45 SMTP 59.953550000 DATA server client-idle 59.953550000 "
            "S: 421 4.4.2 postfix.localdomain Error: timeout exceeded [SMTP timeout: client silent 59.954 s after DATA]",
            "1207 90.821754 192.0.2.45 → 198.51.100.25 SMTP server client-idle 59.953550000 C: DATA fragment, "
            "1024 bytes [Data 30.527 s after close]",
            "1208 90.821782 198.51.100.25 → 192.0.2.45 TCP 25 → 46281 [RST] Seq=271 Win=0 Len=0 [RST after close]"])
        # Without the profile, the default columns.
        plain = self.tshark("-r", self.capture("article.pcap"), "-Y", "smtp_timeout.reply_421")
        self.assertNotIn("client-idle", plain)

    def test_filter_buttons_through_the_macros(self):
        buttons = {row[1]: row[2] for row in uat_rows(os.path.join(PROFILE, "dfilter_buttons"))}
        self.assertEqual(sorted(buttons), ["421 and timeouts", "Gaps", "Late data", "Senders gave up",
                                           "Silent closes"])
        expected = {"article.pcap": {"421 and timeouts": ["865"], "Late data": ["1207", "1208"], "Gaps": ["865"],
                                     "Silent closes": [], "Senders gave up": []},
                    "starttls.pcap": {"421 and timeouts": ["10"], "Silent closes": ["10"], "Late data": ["12", "13"],
                                      "Gaps": [], "Senders gave up": []},
                    "postfix/blackhole-tls-client.pcap": {"Senders gave up": ["15"], "421 and timeouts": []}}
        for name, wanted in expected.items():
            for label, frames in wanted.items():
                out = self.tshark("-C", "SMTP-Timeout", "-r", self.capture(name), "-d", "tcp.port==10025,smtp",
                                  "-Y", buttons[label], "-T", "fields", "-e", "frame.number")
                self.assertEqual(out.split(), frames, (name, label))

    def test_colouring_rules(self):
        # tshark --color paints each line on a terminal by the profile's
        # rules: 24-bit escape codes.
        out = self.tshark_on_terminal("-C", "SMTP-Timeout", "--color", "-r", self.capture("article.pcap"), "-Y",
                          "frame.number == 864 || frame.number == 865 || frame.number >= 1207")
        lines = [l for l in out.splitlines() if l.strip("\x1b[0m ")]
        def background(line):
            m = re.search(r"\x1b\[48;2;(\d+);(\d+);(\d+)m", line)
            return m and tuple(int(v) for v in m.groups())
        colours = [background(l) for l in lines]
        purple, lilac = (140, 0, 179), (218, 164, 255)
        self.assertEqual(colours[1], purple, repr(lines[1]))
        self.assertEqual(colours[2:], [lilac, lilac])
        self.assertNotIn(colours[0], (purple, lilac))


if __name__ == "__main__":
    main()
