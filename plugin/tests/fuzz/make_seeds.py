#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn the test captures into fuzzer seeds (the record format of
fuzz_session.c): one seed per capture, from tshark's reading of its TCP
frames, payload bytes included (a payload longer than 255 bytes is cut
into records of 255, each in order). A seed stops at 64 KiB; a capture
with its keys beside it gives the same bytes and no seed of its own.

    make_seeds.py TESTDATA OUTDIR
"""

import os
import subprocess
import sys

SERVER_PORTS = {25, 465, 587, 2525, 10025, 10026, 10027}
FIELDS = ["frame.time_epoch", "tcp.srcport", "tcp.flags", "tcp.window_size_value", "tcp.payload",
          "tcp.analysis.retransmission"]
TLS_PORTS = {465, 10027}
MAX_SEED = 64 * 1024


def head_byte(server, flags):
    return ((1 if server else 0) | (2 if flags & 1 else 0) | (4 if flags & 2 else 0) | (8 if flags & 4 else 0)
            | (16 if flags & 16 else 0))


def records(capture):
    argv = ["tshark", "-r", capture, "-Y", "tcp", "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"]
    for f in FIELDS:
        argv += ["-e", f]
    out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout
    seed = bytearray([10])
    last = None
    for line in out.decode("ascii", "replace").splitlines():
        t, sport, flags, window, payload, retrans = (line.split("|") + [""] * 6)[:6]
        t = float(t)
        step = 0 if last is None else t - last
        last = t
        step = min(127, int(abs(step) / 0.05)) | (0x80 if step < 0 else 0)
        server = int(sport or 0) in SERVER_PORTS
        if int(sport or 0) in TLS_PORTS:
            seed[0] |= 0x80
        head = head_byte(server, int(flags, 16) if flags else 0)
        zero = 0x08 if window == "0" else 0
        data = bytes.fromhex(payload.replace(":", ""))
        jump = 0xff if retrans else 0  # -1: a step back, as a retransmission
        first = True
        while first or data:
            piece, data = data[:255], data[255:]
            seed += bytes([head, step if first else 0, len(piece), jump, 0, zero]) + piece
            first = False
        if len(seed) > MAX_SEED:
            break
    return bytes(seed[:MAX_SEED])


def main():
    testdata, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    for root, _, files in os.walk(testdata):
        for f in sorted(files):
            if f.endswith(".pcap"):
                name = os.path.relpath(os.path.join(root, f), testdata).replace("/", "-").rsplit(".", 1)[0]
                with open(os.path.join(outdir, name), "wb") as out:
                    out.write(records(os.path.join(root, f)))


if __name__ == "__main__":
    main()
