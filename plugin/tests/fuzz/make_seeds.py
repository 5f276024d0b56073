#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn the test captures into the seeds of the three fuzzers, one seed per
capture in each:

  corpus/          fuzz_session.c's records, from tshark's reading of the
                   capture's TCP frames, payload bytes included (a payload
                   longer than 255 bytes is cut into records of 255)
  read-corpus/     fuzz_read.c's input: the capture file itself
  dissect-corpus/  fuzz_dissect.c's frames: each Ethernet frame with its
                   length and the milliseconds since the one before

A seed stops at 64 KiB; a capture with its keys beside it gives the same
bytes and no seed of its own.

    make_seeds.py TESTDATA FUZZDIR
"""

import os
import struct
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


def ethernet_frames(capture):
    """fuzz_dissect.c's seed: the frames of a classic pcap file with
    Ethernet frames (none for another link type)."""
    with open(capture, "rb") as f:
        data = f.read()
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        return b""
    nano = data[:4] == b"\x4d\x3c\xb2\xa1"
    if struct.unpack("<I", data[20:24])[0] != 1:
        return b""
    seed, last, at = bytearray(), None, 24
    while at + 16 <= len(data) and len(seed) < MAX_SEED:
        secs, frac, caplen, _ = struct.unpack("<IIII", data[at:at + 16])
        t = secs + frac / (1e9 if nano else 1e6)
        frame = data[at + 16:at + 16 + caplen][:1600]
        at += 16 + caplen
        step = 0 if last is None else max(0, min(65535, int(round((t - last) * 1000))))
        last = t
        seed += struct.pack("<HH", len(frame), step) + frame
    return bytes(seed[:MAX_SEED])


def main():
    testdata, fuzzdir = sys.argv[1], sys.argv[2]
    outs = {kind: os.path.join(fuzzdir, kind) for kind in ("corpus", "read-corpus", "dissect-corpus")}
    for folder in outs.values():
        os.makedirs(folder, exist_ok=True)
    for root, _, files in os.walk(testdata):
        for f in sorted(files):
            if not f.endswith(".pcap"):
                continue
            path = os.path.join(root, f)
            name = os.path.relpath(path, testdata).replace("/", "-").rsplit(".", 1)[0]
            with open(path, "rb") as src:
                raw = src.read()[:MAX_SEED]
            seeds = {"corpus": records(path), "read-corpus": raw, "dissect-corpus": ethernet_frames(path)}
            for kind, seed in seeds.items():
                if seed:
                    with open(os.path.join(outs[kind], name), "wb") as out:
                        out.write(seed)


if __name__ == "__main__":
    main()
