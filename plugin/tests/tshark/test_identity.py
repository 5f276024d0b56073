# SPDX-License-Identifier: GPL-2.0-or-later
"""The native reader (smtp-timeout-read) and the plugin in tshark give the
same session rows, field for field (the report's CSV), on every capture in
testdata/, on captures derived from them with editcap, mergecap and
reordercap, on benchmark captures, and (with SMTP_TIMEOUT_LIVE_IDENTITY) on
every live recording of this build.

The one difference on purpose: a pcapng that holds TLS secrets is left to
tshark (the native reader exits 3, and the scan falls back): only
Wireshark decrypts.  IP fragments, which Wireshark reassembles and the
native reader does not, appear in none of these captures."""

import os
import subprocess
import sys

from stharness import TESTDATA, TSHARK, VALGRIND, TsharkCase, main

READ = os.environ["SMTP_TIMEOUT_READ"]
BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "bench", "genbench.py")
HUGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "huge_session.py")
LIVE = os.environ.get("SMTP_TIMEOUT_LIVE_IDENTITY", "")
DECODES = []
for port in (2525, 10025, 10026, 10028, 10029, 10030, 10031):
    DECODES += ["-d", "tcp.port==%d,smtp" % port]
DECODES += ["-d", "tls.port==10027,smtp"]


def captures_in(folder):
    found = []
    for root, _, files in os.walk(folder):
        found += [os.path.join(root, f) for f in files if f.endswith((".pcap", ".pcapng"))]
    return sorted(found)


class Identity(TsharkCase):
    def native(self, path, *extra, decodes=DECODES):
        proc = subprocess.run([READ] + decodes + list(extra) + [path], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, encoding="utf-8", errors="replace", check=False)
        return proc.returncode, proc.stdout, proc.stderr

    def plugin(self, path, *extra, decodes=DECODES):
        out = self.tshark("-q", "-r", path, *decodes, *extra, "-z", "smtp_timeout,sessions,csv")
        return out[out.index("session,client,"):]

    def same(self, path, *extra, decodes=DECODES):
        """Both engines' rows for PATH; the number of rows."""
        status, native, error = self.native(path, *extra, decodes=decodes)
        self.assertIn(status, (0, 1), "%s: %s" % (path, error))
        plugin = self.plugin(self.readable(path), *extra, decodes=decodes)
        self.assertEqual(native, plugin, path)
        return len(plugin.splitlines()) - 1

    def readable(self, path):
        """PATH, or a copy the unprivileged tshark can read."""
        if path.startswith(self.home):
            return path
        return self.capture(os.path.relpath(path, TESTDATA)) if path.startswith(TESTDATA) else path

    def test_every_capture_in_testdata(self):
        rows, keyed = 0, []
        for path in captures_in(TESTDATA):
            if path.endswith("-keys.pcapng"):
                status, out, error = self.native(path)
                self.assertEqual((status, out), (3, ""), path)
                self.assertIn("holds TLS secrets", error)
                keyed.append(path)
                continue
            rows += self.same(path)
        self.assertGreaterEqual(len(keyed), 5)
        self.assertGreater(rows, 80)

    def test_derived_captures(self):
        article, ooo = self.capture("article.pcap"), self.capture("out-of-order.pcap")
        derived = [self.derive("snap96.pcap", [self.EDITCAP, "-s", "96", article, "{out}"]),
                   self.derive("snap54.pcap", [self.EDITCAP, "-s", "54", article, "{out}"]),
                   self.derive("mid.pcap", [self.EDITCAP, "-r", article, "{out}", "100-1208"]),
                   self.derive("twice.pcap", [self.MERGECAP, "-a", "-w", "{out}", article, article]),
                   self.derive("merged.pcap", [self.MERGECAP, "-w", "{out}", article, self.capture("clean.pcap"),
                                               self.capture("causes.pcap")]),
                   self.derive("reordered.pcap", [os.environ.get("REORDERCAP", "reordercap"), ooo, "{out}"]),
                   self.derive("any.pcapng", [self.EDITCAP, "-F", "pcapng", self.capture("causes.pcap"), "{out}"])]
        # Random damage: addresses, ports and flags that start odd sessions.
        for seed in range(12):
            source = ("causes.pcap", "classes.pcap", "vendors.pcap")[seed % 3]
            derived.append(self.derive("damaged%d.pcap" % seed, [self.EDITCAP, "-E", "0.05", "--seed", str(seed + 20),
                                                                 self.capture(source), "{out}"]))
        for path in derived:
            self.same(path)
        self.same(article, "-o", "smtp_timeout.gap_threshold:1")

    def test_benchmark_captures(self):
        # Under valgrind a tenth of the sessions: the same kinds of session,
        # in a time the run can afford.
        sessions = 200 if VALGRIND else 2000
        for extra in ([], ["--no-smtp"], ["--short"]):
            path = self.scratch("bench%s.pcap" % "".join(extra))
            subprocess.run([sys.executable, BENCH, str(sessions), path] + extra, check=True)
            os.chmod(path, 0o644)
            rows = self.same(path, decodes=[])  # the capture's own ports only
            self.assertEqual(rows, 0 if extra == ["--no-smtp"] else sessions, (extra, path))

    def test_bad_inputs(self):
        # A file cut in the middle of a record: the sessions up to the cut,
        # and the damage named (exit 1); tshark reports the same rows.
        article = self.capture("article.pcap")
        with open(article, "rb") as f:
            data = f.read()
        cut = self.scratch("cut.pcap")
        with open(cut, "wb") as f:
            f.write(data[:len(data) * 3 // 4 + 7])
        os.chmod(cut, 0o644)
        status, out, error = self.native(cut)
        self.assertEqual(status, 1)
        self.assertRegex(error, r"cut\.pcap: .*(truncated|cut short|short read)")
        # tshark says the same of it (and exits 2), after its report.
        plugin = self.run_tool([TSHARK, "-q", "-r", cut] + DECODES + ["-z", "smtp_timeout,sessions,csv"], check=False)
        self.assertEqual(out, plugin[plugin.index("session,client,"):])
        # No capture at all, and a garbage link type.
        junk = self.scratch("junk.pcap")
        with open(junk, "wb") as f:
            f.write(b"this is no capture" * 100)
        self.assertEqual(self.native(junk)[:2], (2, ""))
        user0 = self.derive("user0.pcap", [self.EDITCAP, "-T", "user0", article, "{out}"])
        status, out, error = self.native(user0)
        self.assertEqual((status, out), (3, ""))
        self.assertIn("link type 147", error)
        # A pcapng with two interfaces of two link types (Ethernet and
        # Linux cooked v2): libpcap refuses it, tshark must read it.
        mixed = self.derive("mixed.pcapng", [self.MERGECAP, "-w", "{out}", article,
                                             self.capture("postfix/stall-after-354-any.pcap")])
        status, out, error = self.native(mixed)
        self.assertEqual((status, out), (3, ""), error)

    def test_a_huge_session_streamed(self):
        # One session with a body of 2 GB, streamed through a pipe: the
        # reader's memory stays that of one session.
        fifo = self.scratch("huge.fifo")
        os.mkfifo(fifo)
        writer = subprocess.Popen([sys.executable, HUGE, fifo, str(2 * 1024 ** 3)])
        proc = subprocess.Popen([READ, fifo], stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8")
        _, status, usage = os.wait4(proc.pid, 0)
        out, error = proc.stdout.read(), proc.stderr.read()
        self.assertEqual(writer.wait(), 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0, error)
        rows = out.splitlines()
        self.assertEqual(len(rows), 2)
        self.assertIn(",421 timeout,DATA (", rows[1])
        self.assertLess(usage.ru_maxrss, 64 * 1024, "peak memory %d KB" % usage.ru_maxrss)

    def test_live_recordings(self):
        if not LIVE:
            self.skipTest("no live recordings named")
        paths = captures_in(LIVE)
        self.assertGreater(len(paths), 20)
        for path in paths:
            copy = self.scratch(os.path.basename(path))
            with open(path, "rb") as src, open(copy, "wb") as dst:
                dst.write(src.read())
            os.chmod(copy, 0o644)
            self.same(copy)


if __name__ == "__main__":
    main()
