#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write one SMTP session with a body of BYTES (pcap, to PATH, a pipe): a
handshake, EHLO, MAIL, RCPT, DATA and 354, then the body in 1448-byte
segments, each acknowledged, then 300 s of silence and Postfix's 421.

    huge_session.py PATH BYTES
"""

import struct
import sys

CLIENT, SERVER = bytes([192, 0, 2, 77]), bytes([198, 51, 100, 25])
MSS = 1448


def frame(t, src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0, src, dst)
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    data = eth + ip + tcp + payload
    secs = int(t)
    return struct.pack("<IIII", secs, int((t - secs) * 1e6), len(data), len(data)) + data


def main(path, total):
    out = open(path, "wb", buffering=1 << 20)
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    t, cseq, sseq = 1000.0, 1000, 50000
    c, s = (CLIENT, 40777), (SERVER, 25)

    def client(payload=b"", flags=0x18):
        nonlocal cseq, t
        t += 0.0001
        out.write(frame(t, c[0], s[0], c[1], s[1], cseq, sseq, flags, payload))
        cseq += len(payload)

    def server(payload=b"", flags=0x18):
        nonlocal sseq, t
        t += 0.0001
        out.write(frame(t, s[0], c[0], s[1], c[1], sseq, cseq, flags, payload))
        sseq += len(payload)

    client(flags=0x02)
    cseq += 1
    server(flags=0x12)
    sseq += 1
    client(flags=0x10)
    server(b"220 mx.example.net ESMTP Postfix\r\n")
    client(b"EHLO client.example.org\r\n")
    server(b"250-mx.example.net\r\n250 PIPELINING\r\n")
    client(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
    server(b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")
    line = b"x" * 1446 + b"\r\n"
    for i in range(total // MSS):
        client(line)
        if i % 2:
            server(flags=0x10)
    t += 300.0
    server(b"421 4.4.2 mx.example.net Error: timeout exceeded\r\n")
    server(flags=0x11)
    out.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
