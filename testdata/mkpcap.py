#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turn a readable scenario (.scn) into a classic pcap file.

Every synthetic capture in testdata/ is made by this script, so a reader can
see in the .scn file exactly what each frame is and why it is there.  The
script keeps TCP sequence and acknowledgement numbers right by itself; a
scenario only says who sends what, and when.

Scenario syntax (one statement per line, '#' starts a comment):

  date 2013-10-10                      day of the absolute times below (UTC)
  snaplen 96                           cut every frame to 96 bytes in the file
  conn NAME CLIENT:PORT SERVER:PORT    a TCP connection; IPv6 as [::1]:25
  TIME NAME > ACTION                   client -> server
  TIME NAME < ACTION                   server -> client
  TIME filler                          one unrelated UDP datagram
  TIME dns HOST RESOLVER query ID NAME TYPE
                                       a DNS query over UDP from HOST to
                                       RESOLVER (port 53); TYPE is A or MX
  TIME dns HOST RESOLVER answer ID NAME TYPE RCODE
                                       its answer (RCODE NOERROR, NXDOMAIN or
                                       SERVFAIL; NOERROR to A carries one record)
  pad-to N                             unrelated UDP frames, spread evenly up to
                                       the next line's time, so that the next
                                       frame is frame number N

TIME is HH:MM:SS.ffffff on the date, or +SECONDS after the previous line.
ACTION is one of:
  handshake            SYN, SYN-ACK, ACK (three frames, 100 us apart)
  syn | synack | ack   a single segment of that kind
  "text"               payload, with \\r \\n \\t \\\\ \\" \\xNN escapes
  bulk N "text"        the text N times, in segments of 1448 bytes, 10 us apart
  data N               N bytes of message-body text
  fin | rst | rstack   FIN+ACK, bare RST, RST+ACK
  retrans              the last payload segment in this direction, again
  keepalive            a TCP keep-alive (one old byte)
  hold "text"|data N   build the segment now, send it at the next 'release'
  release              send the held segment (makes out-of-order arrival)
  window N             advertise a window of N from now on (sends nothing)
  zerowin              advertise a zero window from now on, in an ACK
  probe                a zero-window probe: one byte beyond the window
"""

import calendar
import ipaddress
import re
import struct
import sys
import time

LINKTYPE_ETHERNET = 1
MSS = 1448
FLAG_FIN, FLAG_SYN, FLAG_RST, FLAG_PSH, FLAG_ACK = 0x01, 0x02, 0x04, 0x08, 0x10
BODY_LINE = b"This line is part of a synthetic message body for smtp-timeout.\r\n"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def parse_endpoint(text):
    m = re.fullmatch(r"\[(.+)\]:(\d+)|([^:\[\]]+):(\d+)", text)
    if not m:
        raise ValueError("bad endpoint %r" % text)
    host = m.group(1) or m.group(3)
    port = int(m.group(2) or m.group(4))
    return ipaddress.ip_address(host), port


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "x":
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
            continue
        out += {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\", '"': b'"'}[nxt]
        i += 2
    return bytes(out)


def body_bytes(n):
    reps = n // len(BODY_LINE) + 1
    return (BODY_LINE * reps)[:n]


def ip_packet(src, dst, proto, payload, ident):
    if src.version == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF,
                          0x4000, 64, proto, 0, src.packed, dst.packed)
        hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
        return 0x0800, hdr + payload
    hdr = struct.pack("!IHBB16s16s", 0x60000000, len(payload), proto, 64, src.packed, dst.packed)
    return 0x86DD, hdr + payload


def l4_checksum(src, dst, proto, segment):
    if src.version == 4:
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, proto, len(segment))
    else:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(segment), proto)
    return checksum(pseudo + segment)


def ether(src_ip, dst_ip, ethertype, packet):
    def mac(ip):
        return b"\x02\x00" + ip.packed[-4:]
    return mac(dst_ip) + mac(src_ip) + struct.pack("!H", ethertype) + packet


class Conn:
    def __init__(self, client, server):
        self.ends = {">": client, "<": server}
        self.next_seq = {">": 1000, "<": 50000}
        self.last_payload = {">": None, "<": None}
        self.ident = {">": 1, "<": 1}
        self.window = {">": 64240, "<": 64240}

    def segment(self, direction, flags, payload=b"", seq=None, ack=True):
        other = "<" if direction == ">" else ">"
        (src, sport), (dst, dport) = self.ends[direction], self.ends[other]
        if seq is None:
            seq = self.next_seq[direction]
            self.next_seq[direction] += len(payload) + (1 if flags & (FLAG_SYN | FLAG_FIN) else 0)
        ack_no = self.next_seq[other] if ack and flags & FLAG_ACK else 0
        window = 0 if flags & FLAG_RST and not flags & FLAG_ACK else self.window[direction]
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack_no & 0xFFFFFFFF,
                          5 << 4, flags, window, 0, 0) + payload
        tcp = tcp[:16] + struct.pack("!H", l4_checksum(src, dst, 6, tcp)) + tcp[18:]
        self.ident[direction] += 1
        ethertype, packet = ip_packet(src, dst, 6, tcp, self.ident[direction])
        return ether(src, dst, ethertype, packet)


DNS_TYPES = {"A": 1, "MX": 15}
DNS_RCODES = {"NOERROR": 0, "SERVFAIL": 2, "NXDOMAIN": 3}


def dns_frame(words, index):
    """HOST RESOLVER query|answer ID NAME TYPE [RCODE]: a DNS message over UDP."""
    host, resolver = ipaddress.ip_address(words[0]), ipaddress.ip_address(words[1])
    kind, ident, name, qtype = words[2], int(words[3]), words[4], DNS_TYPES[words[5]]
    question = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack("!HH", qtype, 1)
    if kind == "query":
        src, dst, sport, dport = host, resolver, 30000 + ident % 10000, 53
        msg = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + question
    else:
        src, dst, sport, dport = resolver, host, 53, 30000 + ident % 10000
        rcode = DNS_RCODES[words[6]]
        answers = b""
        if rcode == 0 and qtype == 1:
            answers = struct.pack("!HHHIH4s", 0xC00C, 1, 1, 300, 4, ipaddress.ip_address("203.0.113.7").packed)
        msg = struct.pack("!HHHHHH", ident, 0x8180 | rcode, 1, 1 if answers else 0, 0, 0) + question + answers
    udp = struct.pack("!HHHH", sport, dport, 8 + len(msg), 0) + msg
    udp = udp[:6] + struct.pack("!H", l4_checksum(src, dst, 17, udp) or 0xFFFF) + udp[8:]
    ethertype, packet = ip_packet(src, dst, 17, udp, index)
    return ether(src, dst, ethertype, packet)


def filler_frame(index):
    src, dst = ipaddress.ip_address("192.0.2.200"), ipaddress.ip_address("192.0.2.201")
    payload = b"<14>filler %d: unrelated syslog traffic\n" % index
    udp = struct.pack("!HHHH", 40514, 514, 8 + len(payload), 0) + payload
    udp = udp[:6] + struct.pack("!H", l4_checksum(src, dst, 17, udp) or 0xFFFF) + udp[8:]
    ethertype, packet = ip_packet(src, dst, 17, udp, index)
    return ether(src, dst, ethertype, packet)


class Scenario:
    def __init__(self):
        self.day = 0
        self.snaplen = 65535
        self.conns = {}
        self.frames = []        # (time in microseconds, bytes)
        self.now = None
        self.pending_pad = None  # (target frame number, time of the line before)
        self.held = {}
        self.fillers = 0

    def parse_time(self, token):
        if token.startswith("+"):
            return self.now + round(float(token[1:]) * 1e6)
        h, m, s = token.split(":")
        whole, _, frac = s.partition(".")
        frac = (frac + "000000")[:6]
        return (self.day + int(h) * 3600 + int(m) * 60 + int(whole)) * 1000000 + int(frac)

    def emit(self, when, frame):
        if self.pending_pad is not None:
            target, start = self.pending_pad
            self.pending_pad = None
            count = target - 1 - len(self.frames)
            for k in range(count):
                self.fillers += 1
                at = start + (when - start) * (k + 1) // (count + 1)
                self.frames.append((at, filler_frame(self.fillers)))
        self.frames.append((when, frame))

    def run(self, lines):
        for lineno, raw in enumerate(lines, 1):
            line = raw.split("#", 1)[0].strip() if '"' not in raw else strip_comment(raw)
            if not line:
                continue
            try:
                self.statement(line)
            except Exception as exc:
                raise SystemExit("line %d: %s: %s" % (lineno, raw.rstrip(), exc))

    def statement(self, line):
        words = line.split(None, 3)
        head = words[0]
        if head == "date":
            self.day = calendar.timegm(time.strptime(words[1], "%Y-%m-%d"))
        elif head == "snaplen":
            self.snaplen = int(words[1])
        elif head == "conn":
            self.conns[words[1]] = Conn(parse_endpoint(words[2]), parse_endpoint(words[3]))
        elif head == "pad-to":
            self.pending_pad = (int(words[1]), self.now if self.now is not None else self.day * 1000000)
        else:
            when = self.parse_time(head)
            self.now = when
            if words[1] == "filler":
                self.fillers += 1
                self.emit(when, filler_frame(self.fillers))
                return
            if words[1] == "dns":
                self.dns_messages = getattr(self, "dns_messages", 0) + 1
                self.emit(when, dns_frame(line.split()[2:], self.dns_messages))
                return
            conn = self.conns[words[1]]
            self.action(when, conn, words[2], words[3] if len(words) > 3 else "")

    def action(self, when, conn, direction, action):
        verb, _, arg = action.partition(" ")
        if verb == "handshake":
            self.emit(when, conn.segment(">", FLAG_SYN))
            self.emit(when + 100, conn.segment("<", FLAG_SYN | FLAG_ACK))
            self.emit(when + 200, conn.segment(">", FLAG_ACK))
            self.now = when + 200
        elif verb in ("syn", "synack", "ack", "fin", "rst", "rstack"):
            flags = {"syn": FLAG_SYN, "synack": FLAG_SYN | FLAG_ACK, "ack": FLAG_ACK,
                     "fin": FLAG_FIN | FLAG_ACK, "rst": FLAG_RST,
                     "rstack": FLAG_RST | FLAG_ACK}[verb]
            self.emit(when, conn.segment(direction, flags))
        elif verb == "retrans":
            seq, payload = conn.last_payload[direction]
            self.emit(when, conn.segment(direction, FLAG_ACK | FLAG_PSH, payload, seq=seq))
        elif verb == "keepalive":
            seq = conn.next_seq[direction] - 1
            self.emit(when, conn.segment(direction, FLAG_ACK, b"\0", seq=seq))
        elif verb == "hold":
            payload = self.payload(arg)
            seq = conn.next_seq[direction]
            frame = conn.segment(direction, FLAG_ACK | FLAG_PSH, payload)
            conn.last_payload[direction] = (seq, payload)
            self.held[id(conn)] = frame
        elif verb == "bulk":
            count, _, text = arg.partition(" ")
            payload = self.payload(text) * int(count)
            for k, start in enumerate(range(0, len(payload), MSS)):
                chunk = payload[start:start + MSS]
                conn.last_payload[direction] = (conn.next_seq[direction], chunk)
                self.emit(when + 10 * k, conn.segment(direction, FLAG_ACK | FLAG_PSH, chunk))
            self.now = when + 10 * (len(payload) // MSS)
        elif verb == "release":
            self.emit(when, self.held.pop(id(conn)))
        elif verb == "window":
            conn.window[direction] = int(arg)
        elif verb == "zerowin":
            conn.window[direction] = 0
            self.emit(when, conn.segment(direction, FLAG_ACK))
        elif verb == "probe":
            seq = conn.next_seq[direction]
            self.emit(when, conn.segment(direction, FLAG_ACK, body_bytes(1), seq=seq))
        else:
            payload = self.payload(action)
            seq = conn.next_seq[direction]
            conn.last_payload[direction] = (seq, payload)
            self.emit(when, conn.segment(direction, FLAG_ACK | FLAG_PSH, payload))

    @staticmethod
    def payload(action):
        if action.startswith('"'):
            return unescape(action[1:action.rindex('"')])
        verb, _, arg = action.partition(" ")
        if verb == "data":
            return body_bytes(int(arg))
        raise ValueError("unknown action %r" % action)

    def write(self, path):
        with open(path, "wb") as out:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, self.snaplen, LINKTYPE_ETHERNET))
            for when, frame in self.frames:
                kept = frame[:self.snaplen]
                out.write(struct.pack("<IIII", when // 1000000, when % 1000000, len(kept), len(frame)))
                out.write(kept)


def strip_comment(raw):
    """Drop a trailing comment, but not a '#' inside the quoted payload."""
    in_quote = False
    escaped = False
    for i, ch in enumerate(raw):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            in_quote = not in_quote
        elif ch == "#" and not in_quote:
            return raw[:i].strip()
    return raw.strip()


def main(argv):
    if len(argv) != 3:
        raise SystemExit("usage: mkpcap.py SCENARIO.scn OUTPUT.pcap")
    scenario = Scenario()
    with open(argv[1], encoding="utf-8") as src:
        scenario.run(src.readlines())
    scenario.write(argv[2])


if __name__ == "__main__":
    main(sys.argv)
