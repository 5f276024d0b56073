# SPDX-License-Identifier: GPL-2.0-or-later
"""A frame without a finding allocates nothing: the plugin's calls into
anything that may allocate (memory, containers, tree items, taps), counted
by callgrind, are the same for two captures that hold the same sessions and
findings, one with four times the body frames."""

import os
import shutil
import subprocess
import sys
import unittest

from stharness import NOBODY, TSHARK, TsharkCase, main

BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench")
sys.path.insert(0, BENCH)
import plugin_calls  # noqa: E402

SESSIONS = 100


class Allocations(TsharkCase):
    def profile(self, name, *genbench):
        cap = self.scratch(name + ".pcap")
        subprocess.run([sys.executable, os.path.join(BENCH, "genbench.py"), str(SESSIONS), cap] + list(genbench),
                       check=True)
        os.chmod(cap, 0o644)
        out = os.path.join(self.out, name + ".callgrind")
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, TSHARK, "-r", cap,
                "-Y", "smtp_timeout", "-T", "fields", "-e", "frame.number"]
        env = {"HOME": self.home, "WIRESHARK_PLUGIN_DIR": self.plugin_dir, "WIRESHARK_EXTCAP_DIR": self.extcap_dir,
               "LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        proc = subprocess.run((NOBODY if os.geteuid() == 0 else []) + argv, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, encoding="utf-8", check=True)
        frames = int(subprocess.run(["capinfos", "-c", "-M", cap], stdout=subprocess.PIPE, encoding="utf-8",
                                    check=True).stdout.split(":")[-1])
        return frames, proc.stdout.split(), plugin_calls.plugin_calls(out)

    def test_a_frame_without_a_finding_allocates_nothing(self):
        if shutil.which("valgrind") is None:
            raise unittest.SkipTest("valgrind is not installed")
        self.out = os.path.join(self.home, "callgrind")
        os.makedirs(self.out, exist_ok=True)
        os.chmod(self.out, 0o777)
        frames_a, found_a, calls_a = self.profile("short-bodies")
        frames_b, found_b, calls_b = self.profile("long-bodies", "--body-scale", "4")
        self.assertGreater(frames_b - frames_a, 5000)
        self.assertEqual(len(found_a), len(found_b))
        self.assertGreater(len(found_a), 0)
        alloc_a, alloc_b = plugin_calls.allocating(calls_a), plugin_calls.allocating(calls_b)
        print("%d and %d frames: %d calls that may allocate, and %d" % (frames_a, frames_b, sum(alloc_a.values()),
                                                                       sum(alloc_b.values())))
        self.assertEqual(alloc_a, alloc_b)
        # The capture engine: an attempt record for each SYN and a session
        # record once it is answered, each in its table, and the engine's
        # own; one map node a frame with a note (the frames the filter shows).
        self.assertEqual(alloc_a["g_malloc0"], 2 * SESSIONS + 1)
        self.assertEqual(alloc_a["g_hash_table_insert"], 2 * SESSIONS)
        self.assertEqual(alloc_a["wmem_map_insert"], len(found_a))
        # The extra frames were read, all the same: each looked its session up.
        self.assertGreater(calls_b["g_hash_table_lookup"] - calls_a["g_hash_table_lookup"], 5000)


if __name__ == "__main__":
    main()
