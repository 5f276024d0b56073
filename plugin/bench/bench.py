#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: tshark with smtp-timeout against the same tshark without it.

    plugin/bench/bench.py [--plugin build/plugins] [--sizes 10000,50000,200000] [--million]
                          [--runs 5] [--runs-large 1] [--cache /var/tmp/smtp-timeout-bench]

For each capture size (made by genbench.py, cached), runs alternate between
  baseline: tshark without the plugin, doing by hand what the plugin does:
            -Y "smtp.response.code == 421 || tcp.flags.reset == 1"
  plugin:   tshark with the plugin, -Y smtp_timeout
in one pass, with -2 and with the session report, and reports medians of
CPU time (user + system), wall time and peak RSS and their ratios; then
the same on a capture with no SMTP at all (the same filters); then how
time and memory grow with the number of sessions.  Prints a Markdown table (the README's).  tshark runs as
'nobody' when started as root, like the tests.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

import plugin_calls

HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE_FILTER = "smtp.response.code == 421 || tcp.flags.reset == 1"


def ensure_capture(cache, sessions, no_smtp=False, short=False, body_scale=1):
    kind = "nosmtp-" if no_smtp else "short-" if short else "smtp-"
    path = os.path.join(cache, "%s%d%s.pcap" % (kind, sessions, "x%d" % body_scale if body_scale > 1 else ""))
    if not os.path.exists(path):
        argv = [sys.executable, os.path.join(HERE, "genbench.py"), str(sessions), path]
        subprocess.run(argv + (["--no-smtp"] if no_smtp else []) + (["--short"] if short else []) +
                       (["--body-scale", str(body_scale)] if body_scale > 1 else []), check=True)
        os.chmod(path, 0o644)
    return path


def packets(path):
    out = subprocess.run(["capinfos", "-c", "-M", path], stdout=subprocess.PIPE, encoding="utf-8", check=True).stdout
    return int(out.split(":")[-1].strip())


class Runner:
    def __init__(self, plugin_root, before_root=None):
        self.home = tempfile.mkdtemp(prefix="smtp-timeout-bench-")
        os.chmod(self.home, 0o755)
        self.with_plugin = os.path.join(self.home, "with")
        self.without = os.path.join(self.home, "without")
        self.before = os.path.join(self.home, "before")
        shutil.copytree(plugin_root, self.with_plugin)
        if before_root:
            shutil.copytree(before_root, self.before)
        os.makedirs(self.without)
        os.makedirs(os.path.join(self.home, "extcap"))
        for root, dirs, files in os.walk(self.home):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        self.out = os.path.join(self.home, "out")  # written by tshark's user
        os.makedirs(self.out)
        os.chmod(self.out, 0o777)

    def run(self, plugin, args):
        """(wall seconds, peak RSS in MB, CPU seconds) of one tshark run,
        output discarded."""
        env = {"HOME": self.home, "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
               "WIRESHARK_PLUGIN_DIR": self.with_plugin if plugin else self.without,
               "WIRESHARK_EXTCAP_DIR": os.path.join(self.home, "extcap")}
        argv = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", os.path.join(self.out, "time"), "tshark"] + args
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        secs, kb, user, system = open(os.path.join(self.out, "time")).read().split()[-4:]
        return float(secs), int(kb) / 1024.0, float(user) + float(system)

    def instructions(self, plugin, args, calls=False):
        """Instructions tshark executes (valgrind's callgrind): unlike time,
        the same from run to run, so a small difference is measurable.  With
        calls=True, also what the plugin's code called outside itself.
        plugin is True, False, or "before" for the earlier build."""
        out = os.path.join(self.out, "callgrind.out")
        plugins = self.before if plugin == "before" else self.with_plugin if plugin else self.without
        env = {"HOME": self.home, "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
               "WIRESHARK_PLUGIN_DIR": plugins,
               "WIRESHARK_EXTCAP_DIR": os.path.join(self.home, "extcap")}
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, "tshark"] + args
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, encoding="utf-8",
                              check=True)
        total = int([l for l in proc.stderr.splitlines() if "Collected" in l][-1].split()[-1])
        return (total, plugin_calls.plugin_calls(out)) if calls else total

    def compare(self, runs, base_args, plugin_args):
        """Medians of runs in pairs, ABBA (without, with; with, without...),
        so that a machine that slows down or speeds up affects both alike;
        self.ratio is the median of the pairs' CPU-time ratios."""
        base, plug = [], []
        for k in range(runs):
            if k % 2 == 0:
                base.append(self.run(False, base_args))
                plug.append(self.run(True, plugin_args))
            else:
                plug.append(self.run(True, plugin_args))
                base.append(self.run(False, base_args))
        med = lambda xs, i: statistics.median(x[i] for x in xs)
        # The spread of the baseline's own CPU times: a ratio within it is noise.
        self.spread = (max(x[2] for x in base) - min(x[2] for x in base)) / med(base, 2) if runs > 1 else 0.0
        self.cpu = (med(base, 2), med(plug, 2))
        self.ratio = statistics.median(p[2] / b[2] for b, p in zip(base, plug))
        return med(base, 0), med(base, 1), med(plug, 0), med(plug, 1)


def instruction_table(runner, args):
    """The --instructions table: each command with and without the plugin
    (and with the --before build), in instructions."""
    before = " | earlier build | its ratio" if args.before else ""
    print("| capture | with the plugin | instructions without plugin | with plugin | ratio%s |" % before)
    print("|---|---|---|---|---|%s" % ("---|---|" if args.before else ""))
    smtp, nosmtp = ensure_capture(args.cache, 2000), ensure_capture(args.cache, 2000, no_smtp=True)
    # The last row is the cost of having the plugin installed: the same
    # command line with and without it.
    rows = (
            ("2k sessions", smtp, ["-Y", BASELINE_FILTER], ["-Y", "smtp_timeout"]),
            ("2k sessions", smtp, ["-2", "-Y", BASELINE_FILTER], ["-2", "-Y", "smtp_timeout"]),
            ("2k sessions", smtp, ["-q", "-Y", BASELINE_FILTER], ["-q", "-z", "smtp_timeout,sessions"]),
            ("2k without SMTP (port 8080)", nosmtp, ["-Y", BASELINE_FILTER], ["-Y", "smtp_timeout"]),
            ("2k without SMTP, the same filter both ways", nosmtp, ["-Y", BASELINE_FILTER],
             ["-Y", BASELINE_FILTER]))
    chosen = [int(r) for r in args.rows.split(",")] if args.rows else range(1, len(rows) + 1)
    for label, cap, base_args, plugin_args in (rows[r - 1] for r in chosen):
        a = runner.instructions(False, ["-r", cap] + base_args)
        b = runner.instructions(True, ["-r", cap] + plugin_args)
        extra = ""
        if args.before:
            c = runner.instructions("before", ["-r", cap] + plugin_args)
            extra = " %.3f G | %.4f |" % (c / 1e9, c / a)
        print("| %s, %.2f M packets | `%s` | %.3f G | %.3f G | %.4f |%s"
              % (label, packets(cap) / 1e6, " ".join(plugin_args), a / 1e9, b / 1e9, b / a, extra))
        sys.stdout.flush()


def allocation_table(runner, args):
    """The --allocations table: the plugin's calls that may allocate, on 2k
    sessions with bodies of two lengths (they must not grow with frames)."""
    print("| capture | frames | plugin calls that may allocate | records (one a session) | map insertions "
          "(one a session, one a frame with a note) |")
    print("|---|---|---|---|---|")
    for scale in (1, 3):
        cap = ensure_capture(args.cache, 2000, body_scale=scale)
        _, calls = runner.instructions(True, ["-r", cap, "-Y", "smtp_timeout"], calls=True)
        alloc = plugin_calls.allocating(calls)
        print("| 2k sessions, bodies x%d | %d | %d | %d | %d |" % (scale, packets(cap), sum(alloc.values()),
              alloc.get("wmem_alloc0", 0), alloc.get("wmem_map_insert", 0)))
        sys.stdout.flush()


def million_row(runner, args):
    """The --million row: a million minimal sessions, one run each way."""
    cap = ensure_capture(args.cache, 1000000, short=True)
    r = runner.compare(1, ["-r", cap, "-Y", BASELINE_FILTER], ["-r", cap, "-Y", "smtp_timeout"])
    print("| 1000k minimal sessions, %.2f M packets | one pass | %.2f s, %.0f MB | %.2f s, %.0f MB | %.3f | %.3f |"
          % (packets(cap) / 1e6, r[0], r[1], r[2], r[3], r[2] / r[0], r[3] / r[1]))
    print()
    print("The plugin's memory for a million sessions: %.0f MB (%.0f bytes a session)."
          % (r[3] - r[1], (r[3] - r[1]) * 1048576 / 1e6))


TIME_HEADER = ("| capture | run | without plugin: CPU, wall, peak memory | with plugin | CPU time ratio (of pairs) | "
               "wall time ratio | memory ratio | baseline CPU spread |\n|---|---|---|---|---|---|---|---|")


def time_row(runner, label, mode, r):
    # CPU time (user + system) is the figure to judge: the wall clock of
    # this shared machine also counts the other tenants.
    (bc, pc) = runner.cpu
    print("| %s | %s | %.2f s, %.2f s, %.0f MB | %.2f s, %.2f s, %.0f MB | %.3f (%.3f) | %.3f | %.3f | %.1f %% |"
          % (label, mode, bc, r[0], r[1], pc, r[2], r[3], pc / bc, runner.ratio, r[2] / r[0], r[3] / r[1],
             100 * runner.spread))
    sys.stdout.flush()


def no_smtp_row(runner, args, sizes):
    # With no filter and -q, tshark does not dissect at all: compare the
    # same filters as the SMTP rows, which make it dissect every frame.
    nosmtp = ensure_capture(args.cache, sizes[min(1, len(sizes) - 1)], no_smtp=True)
    r = runner.compare(args.runs, ["-r", nosmtp, "-Y", BASELINE_FILTER], ["-r", nosmtp, "-Y", "smtp_timeout"])
    time_row(runner, "no SMTP (port 8080), %.2f M packets" % (packets(nosmtp) / 1e6), "one pass", r)


def time_table(runner, args, sizes):
    """The main table: each size, one pass, -2 and the session report, with
    and without the plugin; then the capture without SMTP and the growth."""
    version = subprocess.run(["tshark", "--version"], stdout=subprocess.PIPE, encoding="utf-8").stdout.split("\n")[0]
    print("Machine: %s, %d cores; %s; %s" % (platform.processor() or platform.machine(), os.cpu_count(),
                                            version, platform.platform()))
    print()
    print(TIME_HEADER)
    rows = {}
    for n in sizes:
        cap = ensure_capture(args.cache, n)
        label = "%dk sessions, %.2f M packets" % (n // 1000, packets(cap) / 1e6)
        # -z smtp_timeout,sessions: the report instead of the filter (both
        # quiet, so that neither prints the packets).
        for mode, base, plug in (
                ("one pass", ["-Y", BASELINE_FILTER], ["-Y", "smtp_timeout"]),
                ("-2", ["-2", "-Y", BASELINE_FILTER], ["-2", "-Y", "smtp_timeout"]),
                ("-z smtp_timeout,sessions", ["-q", "-Y", BASELINE_FILTER], ["-q", "-z", "smtp_timeout,sessions"])):
            runs = args.runs if n <= 100000 else args.runs_large
            r = runner.compare(runs, base + ["-r", cap], plug + ["-r", cap])
            rows[(n, mode)] = r + runner.cpu
            time_row(runner, label, mode, r)
    no_smtp_row(runner, args, sizes)
    if len(sizes) > 1:
        lo, hi = sizes[0], sizes[-1]
        a, b = rows[(lo, "one pass")], rows[(hi, "one pass")]
        print()
        print("Growth from %dk to %dk sessions (x%.0f), with the plugin, one pass: CPU time x%.2f, wall time x%.2f, "
              "peak memory x%.2f; the plugin's share of memory: %.1f MB at %dk, %.1f MB at %dk."
              % (lo // 1000, hi // 1000, hi / lo, b[5] / a[5], b[2] / a[2], b[3] / a[3], a[3] - a[1], lo // 1000,
                 b[3] - b[1], hi // 1000))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugin", default=os.path.join(HERE, "..", "..", "build", "plugins"))
    ap.add_argument("--sizes", default="10000,50000,200000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--runs-large", type=int, default=1, help="runs for captures over 100k sessions")
    ap.add_argument("--cache", default="/var/tmp/smtp-timeout-bench")
    ap.add_argument("--no-smtp-only", action="store_true", help="only the capture without SMTP")
    ap.add_argument("--instructions", action="store_true",
                    help="only the instruction counts (callgrind) on 2k sessions and on 2k without SMTP")
    ap.add_argument("--rows", help="with --instructions: only these rows of the table (1-5, comma-separated); "
                                   "a row takes minutes under callgrind")
    ap.add_argument("--before", metavar="PLUGIN_DIR",
                    help="with --instructions: also an earlier build's plugins folder, its counts and ratios")
    ap.add_argument("--million", action="store_true",
                    help="only the memory check: a million minimal sessions, one run each way")
    ap.add_argument("--allocations", action="store_true",
                    help="only the allocation check: the plugin's calls that may allocate, on 2k sessions with "
                         "short bodies and with bodies three times as long (callgrind)")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    os.chmod(args.cache, 0o755)
    runner = Runner(args.plugin, args.before)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.instructions:
        instruction_table(runner, args)
    elif args.allocations:
        allocation_table(runner, args)
    elif args.million:
        million_row(runner, args)
    elif args.no_smtp_only:
        print(TIME_HEADER)
        no_smtp_row(runner, args, sizes[:2])
    else:
        time_table(runner, args, sizes)
    shutil.rmtree(runner.home, ignore_errors=True)


if __name__ == "__main__":
    main()
