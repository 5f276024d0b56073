#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: the folder scan's two engines, on one capture and on a folder.

    plugin/bench/bench_native.py [--build build] [--sizes 10000,50000,200000] [--runs 3]
                                 [--folder 20] [--cache /var/tmp/smtp-timeout-bench]

On each capture (genbench.py, cached), one core: the native reader
(smtp-timeout-read), the tshark engine (tshark -q -z smtp_timeout,sessions,csv
with the build's plugin) and `capinfos -c` (what reading the file costs);
medians of CPU time (user + system) and peak RSS, their ratios, and a check
that both engines print the same rows.  Then a folder of N captures of 10k
sessions each, scanned by smtp-timeout-scan on all cores with each engine:
wall time and the children's CPU time.  Prints Markdown tables (the
README's).  tshark runs as 'nobody' when started as root, as in the tests.
"""

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import bench

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def measured(argv, env=None, out=subprocess.DEVNULL):
    """(CPU seconds, peak RSS in MB, wall seconds) of one run."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("%s failed" % argv[:3])
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, time.monotonic() - start


class Engines:
    def __init__(self, build):
        self.reader = os.path.join(build, "plugin", "smtp-timeout-read")
        self.home = tempfile.mkdtemp(prefix="smtp-timeout-bench-native-")
        os.chmod(self.home, 0o755)
        self.plugins = os.path.join(self.home, "plugins")
        shutil.copytree(os.path.join(build, "plugins"), self.plugins)
        for root, dirs, files in os.walk(self.home):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o755)
        self.env = {"HOME": self.home, "WIRESHARK_PLUGIN_DIR": self.plugins, "PATH": "/usr/bin:/bin",
                    "LC_ALL": "C.UTF-8", "SMTP_TIMEOUT_READ": self.reader}
        self.nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)

    def native(self, path, out=subprocess.DEVNULL):
        return measured([self.reader, path], out=out)

    def tshark(self, path, out=subprocess.DEVNULL):
        return measured(self.nobody + ["tshark", "-q", "-r", path, "-z", "smtp_timeout,sessions,csv"], self.env, out)

    def capinfos(self, path):
        return measured(["capinfos", "-c", path])

    def same_rows(self, path):
        outs = []
        for run in (self.native, self.tshark):
            with tempfile.TemporaryFile("w+") as f:
                run(path, out=f)
                f.seek(0)
                text = f.read()
            outs.append(text[text.index("session,client,"):])
        return outs[0] == outs[1], len(outs[0].splitlines()) - 1

    def scan(self, folder, engine):
        argv = self.nobody + [sys.executable, os.path.join(ROOT, "plugin", "tools", "smtp-timeout-scan"),
                              "--engine", engine, "-o", os.devnull, folder]
        return measured(argv, self.env)


def medians(runs):
    return [statistics.median(x) for x in zip(*runs)]


def one_capture(engines, path, sessions, n_runs):
    same, rows = engines.same_rows(path)
    if not same:
        raise SystemExit("the engines disagree on %s" % path)
    results = {}
    for name in ("native", "tshark", "capinfos"):
        results[name] = medians([getattr(engines, name)(path) for _ in range(n_runs)])
    n, t, c = results["native"], results["tshark"], results["capinfos"]
    return ("| %dk sessions, %.2f M packets, %d MB | %.2f s, %.0f MB | %.2f s, %.0f MB | %.2f s | **%.1f×** | %.2f× | "
            "%.3f |" % (sessions // 1000, bench.packets(path) / 1e6, os.path.getsize(path) // 2 ** 20, n[0], n[1],
                        t[0], t[1], c[0], t[0] / n[0], n[0] / max(c[0], 1e-3), n[1] / t[1]), rows, n, t)


def folder_scan(engines, cache, count, n_runs):
    folder = os.path.join(cache, "folder-%d" % count)
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        path = os.path.join(folder, "smtp-10000-%02d.pcap" % i)
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(HERE, "genbench.py"), "10000", path, "--seed", str(i + 1)],
                           check=True)
            os.chmod(path, 0o644)
    os.chmod(folder, 0o755)
    rows = []
    for engine in ("native", "tshark"):
        cpu, rss, wall = medians([engines.scan(folder, engine) for _ in range(n_runs)])
        rows.append((engine, wall, cpu))
    (_, nw, nc), (_, tw, tc) = rows
    return ("| %d captures of 10k sessions, %d cores | %.1f s wall, %.1f s CPU | %.1f s wall, %.1f s CPU | "
            "**%.1f×** wall, %.1f× CPU |" % (count, os.cpu_count(), nw, nc, tw, tc, tw / nw, tc / nc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--sizes", default="10000,50000,200000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--folder", type=int, default=20)
    ap.add_argument("--cache", default="/var/tmp/smtp-timeout-bench")
    args = ap.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    engines = Engines(os.path.abspath(args.build))
    try:
        print("Machine: %s, %d cores; %s; %s" % (platform.processor() or platform.machine(), os.cpu_count(),
                                                 subprocess.run(["tshark", "--version"], stdout=subprocess.PIPE,
                                                                encoding="utf-8").stdout.splitlines()[0],
                                                 subprocess.run(["capinfos", "--version"], stdout=subprocess.PIPE,
                                                                encoding="utf-8").stdout.splitlines()[0]))
        print()
        print("| capture | native reader: CPU, peak RSS | tshark engine: CPU, peak RSS | capinfos -c: CPU | "
              "tshark / native CPU | native / capinfos CPU | native / tshark RSS |")
        print("|---|---|---|---|---|---|---|")
        growth = []
        for size in [int(s) for s in args.sizes.split(",")]:
            line, rows, native, tshark = one_capture(engines, bench.ensure_capture(args.cache, size), size, args.runs)
            print(line, flush=True)
            growth.append((size, native, tshark))
        if len(growth) > 1:
            (s0, n0, t0), (s1, n1, t1) = growth[0], growth[-1]
            print()
            print("Growth from %dk to %dk sessions (×%d): native CPU ×%.1f, RSS ×%.1f; tshark CPU ×%.1f, RSS ×%.1f"
                  % (s0 // 1000, s1 // 1000, s1 // s0, n1[0] / n0[0], n1[1] / n0[1], t1[0] / t0[0], t1[1] / t0[1]))
        if args.folder:
            print()
            print("| folder | native engine | tshark engine | tshark / native |")
            print("|---|---|---|---|")
            print(folder_scan(engines, args.cache, args.folder, args.runs), flush=True)
    finally:
        engines.close()


if __name__ == "__main__":
    main()
