# SPDX-License-Identifier: GPL-2.0-or-later
"""A million short sessions (connect, greeting, QUIT; one in a thousand
stalls and gets a 421 after 300 s): every stall is found, and the plugin's
memory stays bounded, a fixed record a session whatever the capture holds.
Memory is measured, not time: peak resident memory of tshark with the plugin
against the same tshark without it, run side by side."""

import os
import subprocess
import sys

from stharness import TSHARK, TsharkCase, main, ms

GENBENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "genbench.py")
SESSIONS = int(os.environ.get("SMTP_TIMEOUT_MILLION", "1000000"))
# Bytes a session, with Wireshark's own overheads for it: the record (232
# bytes, see report.c), its node in the session map, Wireshark's conversation, the
# allocators' headers.
BOUND = 400


class Million(TsharkCase):
    def test_a_million_sessions_in_bounded_memory(self):
        cap = self.scratch("million.pcap")
        subprocess.run([sys.executable, GENBENCH, str(SESSIONS), cap, "--tiny"], check=True)
        os.chmod(cap, 0o644)
        fields = ["-T", "fields", "-e", "frame.number"]
        without = self.start_measured([TSHARK, "-r", cap, "-Y", "smtp.response.code == 421"] + fields,
                                      self.scratch("without.txt"), plugin=False)
        with_plugin = self.start_measured(
            [TSHARK, "-r", cap, "-Y", "smtp_timeout.reply_421"] + fields +
            ["-e", "smtp_timeout.after", "-e", "smtp_timeout.server_timeout", "-e", "smtp_timeout.reply_class"],
            self.scratch("with.txt"))
        base_out, base_kb = self.finish_measured(without)
        out, kb = self.finish_measured(with_plugin)

        rows = [line.split("\t") for line in out.splitlines()]
        self.assertEqual(len(rows), SESSIONS // 1000)
        # The 421s the plugin found are the capture's 421s, and each says
        # what happened: 300.000 s after the greeting.
        self.assertEqual([r[0] for r in rows], base_out.split())
        self.assertEqual({(r[1], ms(r[2]), r[3]) for r in rows}, {("CONNECT", "300.000", "timeout")})

        per_session = (kb - base_kb) * 1024.0 / SESSIONS
        print("%d sessions: peak memory %.0f MB without the plugin, %.0f MB with it: %.0f bytes a session"
              % (SESSIONS, base_kb / 1024.0, kb / 1024.0, per_session))
        self.assertLess(per_session, BOUND)


if __name__ == "__main__":
    main()
