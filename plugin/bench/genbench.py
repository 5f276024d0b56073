#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate a benchmark capture of N SMTP sessions, interleaved in time.

    genbench.py SESSIONS OUT.pcap [--seed S] [--no-smtp] [--short | --tiny] [--body-scale K]

Sessions start at 100 per second.  Half pipeline MAIL+RCPT+DATA, half do
not; bodies run from 2 KB to 75 KB (log-uniform), sent in 1448-byte
segments with ACKs.  1 % stall after 354 for 300 s and get
"421 4.4.2 ... timeout exceeded" and a FIN; a third of those send their body
later and draw an RST.  0.5 % end with a client RST after QUIT.  --no-smtp
writes the same traffic on port 8080, which no SMTP dissector reads.
--short makes minimal sessions instead (greeting, EHLO, QUIT, FINs: ten
frames), for the million-session memory check; --tiny smaller ones still
(connect, greeting, QUIT: five or six frames; one in a thousand ends in a
421 after 300 s), for the test suite's million-session test.
Checksums are left zero (Wireshark does not check them by default).
"""

import argparse
import heapq
import math
import random
import struct

MSS = 1448
BODY_LINE = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\r\n"


class Conn:
    def __init__(self, index, port):
        self.c_ip = struct.pack("!I", (10 << 24) | (1 << 16) | (index % 65000 + 1))
        self.s_ip = struct.pack("!I", (10 << 24) | (2 << 16) | (index % 7 + 1))
        self.c_port = 1024 + (index * 7) % 60000
        self.s_port = port
        self.seq = {0: 1000, 1: 5000}
        self.ident = 0

    def frame(self, side, flags, payload=b""):
        src, dst = (self.c_ip, self.s_ip) if side == 0 else (self.s_ip, self.c_ip)
        sport, dport = (self.c_port, self.s_port) if side == 0 else (self.s_port, self.c_port)
        seq, ack = self.seq[side], self.seq[1 - side]
        self.seq[side] += len(payload) + (1 if flags & 0x03 else 0)
        self.ident += 1
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags,
                          0 if flags & 0x04 and not flags & 0x10 else 64240, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), self.ident & 0xFFFF, 0x4000, 64, 6, 0,
                         src, dst)
        return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp + payload


class Script:
    """The frames of one session as they are added: (time, bytes)."""

    def __init__(self, conn, start):
        self.conn, self.t, self.out = conn, start, []

    def add(self, dt, side, flags, payload=b""):
        self.t += dt
        self.out.append((self.t, self.conn.frame(side, flags, payload)))


def tiny_session(s, index):
    # Connect, greeting, QUIT; one in a thousand stalls after the greeting
    # and gets Postfix's 421 after 300 s.
    s.add(0, 0, 0x02)
    s.add(0.001, 1, 0x12)
    s.add(0.002, 1, 0x18, b"220 mx.example.net ESMTP Postfix\r\n")
    if index % 1000 == 999:
        s.add(300.0, 1, 0x19, b"421 4.4.2 mx.example.net Error: timeout exceeded\r\n")
    else:
        s.add(0.001, 0, 0x19, b"QUIT\r\n")
        s.add(0.001, 1, 0x19, b"221 2.0.0 Bye\r\n")
    s.add(0.001, 0, 0x10)


def envelope(s, rng, index, rtt):
    # Half the senders pipeline MAIL, RCPT and DATA.
    mail = b"MAIL FROM:<sender%d@example.org>\r\n" % index
    rcpt = b"RCPT TO:<rcpt%d@example.net>\r\n" % index
    if rng.random() < 0.5:
        s.add(rtt, 0, 0x18, mail + rcpt + b"DATA\r\n")
        s.add(0.002, 1, 0x18, b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
    else:
        s.add(rtt, 0, 0x18, mail)
        s.add(0.001, 1, 0x18, b"250 2.1.0 Ok\r\n")
        s.add(rtt, 0, 0x18, rcpt)
        s.add(0.001, 1, 0x18, b"250 2.1.5 Ok\r\n")
        s.add(rtt, 0, 0x18, b"DATA\r\n")
        s.add(0.001, 1, 0x18, b"354 End data with <CR><LF>.<CR><LF>\r\n")


def stalled_ending(s, rng, rtt):
    # The article's story: 300 s of silence, Postfix's 421, and in a third
    # of them the body sent into the closed socket and reset.
    s.add(rtt, 0, 0x10)
    s.add(300.0, 1, 0x18, b"421 4.4.2 mx.example.net Error: timeout exceeded\r\n")
    s.add(0.0001, 1, 0x11)
    s.add(rtt, 0, 0x10)
    if rng.random() < 1 / 3:
        s.add(rng.uniform(1, 60), 0, 0x18, BODY_LINE * 15)
        s.add(rtt / 2, 1, 0x04)
    else:
        s.add(0.01, 0, 0x11)
        s.add(rtt, 1, 0x10)


def delivered_ending(s, rng, index, rtt, fate, body_scale):
    # A body of 2 to 75 KB (log-uniform), queued, QUIT; a few senders reset
    # instead of closing.
    size = int(math.exp(rng.uniform(math.log(2048), math.log(75 * 1024)))) * body_scale
    body = (BODY_LINE * (size // len(BODY_LINE) + 1))[:size] + b"\r\n.\r\n"
    for k, start_byte in enumerate(range(0, len(body), MSS)):
        s.add(0.0001, 0, 0x18, body[start_byte:start_byte + MSS])
        if k % 2 == 1:
            s.add(0.00005, 1, 0x10)
    s.add(0.02, 1, 0x18, b"250 2.0.0 Ok: queued as %X\r\n" % (0x10000 + index))
    s.add(rtt, 0, 0x18, b"QUIT\r\n")
    s.add(0.001, 1, 0x18, b"221 2.0.0 Bye\r\n")
    s.add(0.0001, 1, 0x11)
    if fate < 0.015:
        s.add(rtt, 0, 0x14)
    else:
        s.add(rtt, 0, 0x11)
        s.add(rtt, 1, 0x10)


def session(rng, index, start, port, short=False, tiny=False, body_scale=1):
    """The frames of one session: (time, bytes), in time order."""
    s = Script(Conn(index, port), start)
    if tiny:
        tiny_session(s, index)
        return s.out
    rtt = rng.uniform(0.0002, 0.02)
    s.add(0, 0, 0x02)
    s.add(rtt / 2, 1, 0x12)
    s.add(rtt / 2, 0, 0x10)
    s.add(0.005, 1, 0x18, b"220 mx.example.net ESMTP Postfix\r\n")
    s.add(rtt, 0, 0x18, b"EHLO client%d.example.org\r\n" % index)
    s.add(0.001, 1, 0x18, b"250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n")
    if short:
        s.add(rtt, 0, 0x18, b"QUIT\r\n")
        s.add(0.001, 1, 0x18, b"221 2.0.0 Bye\r\n")
        s.add(0.0001, 1, 0x11)
        s.add(rtt, 0, 0x11)
        s.add(rtt, 1, 0x10)
        return s.out
    envelope(s, rng, index, rtt)
    fate = rng.random()
    if fate < 0.01:
        stalled_ending(s, rng, rtt)
    else:
        delivered_ending(s, rng, index, rtt, fate, body_scale)
    return s.out


def write(f, t, _, data):
    us = int(round(t * 1e6))
    f.write(struct.pack("<IIII", us // 1000000, us % 1000000, len(data), len(data)))
    f.write(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sessions", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-smtp", action="store_true")
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--body-scale", type=int, default=1,
                    help="bodies this many times longer: more frames, the same sessions and findings")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    port = 8080 if args.no_smtp else 25
    base = 1700000000.0
    rate = 1000.0 if args.short or args.tiny else 100.0
    streams = (session(random.Random(rng.random()) if not args.tiny else None, i, base + i / rate, port,
                       args.short, args.tiny, args.body_scale)
               for i in range(args.sessions))
    with open(args.out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        # Sessions start in order and are short, except the stalled ones:
        # a heap of pending frames keeps the file in time order.
        heap = []
        n = 0
        for frames in streams:
            start = frames[0][0]
            while heap and heap[0][0] <= start:
                write(f, *heapq.heappop(heap))
            for t, data in frames:
                heapq.heappush(heap, (t, n, data))
                n += 1
        while heap:
            write(f, *heapq.heappop(heap))


if __name__ == "__main__":
    main()
