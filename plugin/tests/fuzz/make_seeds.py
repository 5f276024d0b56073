#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn the test captures into fuzzer seeds (the record format of
fuzz_session.c): one seed per capture, from tshark's reading of it.

    make_seeds.py TESTDATA OUTDIR
"""

import os
import struct
import subprocess
import sys

SERVER_PORTS = {25, 587, 2525, 10025, 10026}
FIELDS = ["frame.time_epoch", "tcp.srcport", "tcp.len", "tcp.flags", "tcp.analysis.retransmission",
          "smtp.response", "smtp.command_line", "smtp.eom"]


def records(capture):
    argv = ["tshark", "-r", capture, "-Y", "tcp", "-T", "fields", "-E", "separator=\x01", "-E", "aggregator=\x02",
            "-E", "occurrence=a", "-d", "tcp.port==2525,smtp", "-d", "tcp.port==10025,smtp",
            "-d", "tcp.port==10026,smtp"]
    for f in FIELDS:
        argv += ["-e", f]
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    seed = bytearray([10])
    last = None
    for line in out.decode("utf-8", "replace").splitlines():
        t, sport, length, flags, retrans, replies, commands, eom = (line.split("\x01") + [""] * 8)[:8]
        t = float(t)
        step = 0 if last is None else t - last
        last = t
        back = step < 0
        step = min(127, int(abs(step) / 0.05))
        fl = int(flags, 16) if flags else 0
        server = int(sport.split("\x02")[-1]) in SERVER_PORTS
        texts = [x for x in (replies if server else commands).split("\x02") if x][:7]
        head = ((1 if server else 0) | (2 if fl & 1 else 0) | (4 if fl & 2 else 0) | (8 if fl & 4 else 0)
                | (16 if fl & 16 else 0) | (32 if eom else 0))
        seed += struct.pack("<BBHbB", head, step | (0x80 if back else 0), min(int(length or 0), 65535),
                            -1 if retrans else 0, len(texts))
        for x in texts:
            b = x.encode("utf-8", "replace").replace(b"\\r\\n", b"\r\n")[:255]
            seed += bytes([len(b)]) + b
    return bytes(seed)


def main():
    testdata, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    for root, _, files in os.walk(testdata):
        for f in sorted(files):
            if f.endswith(".pcap"):
                name = os.path.relpath(os.path.join(root, f), testdata).replace("/", "-")[:-5]
                with open(os.path.join(outdir, name), "wb") as out:
                    out.write(records(os.path.join(root, f)))


if __name__ == "__main__":
    main()
