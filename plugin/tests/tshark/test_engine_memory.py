# SPDX-License-Identifier: GPL-2.0-or-later
"""The capture engine's memory follows what is open at once, in both front
ends.  Measured, not timed: peak resident memory of whole runs.

- A million SYNs to port 25 never answered (250,000 attempts, each sent
  four times, spread over 1,000 s, around one real session that stalls
  after 354): the native reader stays under 64 MB, the plugin adds less
  than 10 % to tshark's own peak, the stall is still found, and the
  attempts are counted per server.
- 100,000 sessions that each end, one after the other on one pair of
  ports, cost the native reader no more than 8 MB more than 10,000 do."""

import os
import struct
import subprocess
import sys

from stharness import TsharkCase, main

READ = os.environ["SMTP_TIMEOUT_READ"]
ETHER = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
SERVERS = [bytes([198, 51, 100, 80]), bytes([198, 51, 100, 81])]


def frame(src, dst, sport, dport, flags, seq, ack=0, payload=b""):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0, 64, 6, 0, src, dst)
    return ETHER + ip + struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload


class Pcap:
    def __init__(self, path):
        self.out = open(path, "wb")
        self.out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

    def add(self, usec, data):
        self.out.write(struct.pack("<IIII", 1700000000 + usec // 1000000, usec % 1000000, len(data), len(data)))
        self.out.write(data)

    def close(self):
        self.out.close()


def stalled_session(start_usec):
    """(time, frame) of a session stalled after 354 until a 421 after 300 s."""
    c, s, cp = bytes([192, 0, 2, 250]), bytes([198, 51, 100, 90]), 60000
    cs, ss = 1000, 50000
    out = [(0, frame(c, s, cp, 25, 0x02, cs)), (100, frame(s, c, 25, cp, 0x12, ss, cs + 1)),
           (200, frame(c, s, cp, 25, 0x10, cs + 1, ss + 1))]
    cs, ss = cs + 1, ss + 1
    talk = [("<", b"220 mx.example.net ESMTP Postfix\r\n"), (">", b"EHLO c.example.org\r\n"),
            ("<", b"250 mx.example.net\r\n"),
            (">", b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"),
            ("<", b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n")]
    t = 200
    for side, text in talk:
        t += 2000
        if side == ">":
            out.append((t, frame(c, s, cp, 25, 0x18, cs, ss, text)))
            cs += len(text)
        else:
            out.append((t, frame(s, c, 25, cp, 0x18, ss, cs, text)))
            ss += len(text)
    t += 300000000
    text = b"421 4.4.2 mx.example.net Error: timeout exceeded\r\n"
    out.append((t, frame(s, c, 25, cp, 0x18, ss, cs, text)))
    out.append((t + 100, frame(s, c, 25, cp, 0x11, ss + len(text), cs)))
    return [(start_usec + at, data) for at, data in out]


def syn_flood(path, attempts=250000):
    """ATTEMPTS connection attempts at 250 a second, each SYN sent again
    after 1, 3 and 7 s; the stalled session 100 s in."""
    events = []
    for i in range(attempts):
        src = bytes([192, 0, 2, 1 + i % 200])
        dst = SERVERS[i % 2]
        syn = frame(src, dst, 1024 + i // 200, 25, 0x02, i)
        for delay in (0, 1000000, 3000000, 7000000):
            events.append((i * 4000 + delay, syn))
    events += stalled_session(100000000)
    events.sort(key=lambda e: e[0])
    pcap = Pcap(path)
    for usec, data in events:
        pcap.add(usec, data)
    pcap.close()
    os.chmod(path, 0o644)


def sessions_in_a_row(path, count):
    """COUNT whole sessions, one after the other on one pair of ports."""
    c, s = bytes([192, 0, 2, 30]), bytes([198, 51, 100, 30])
    pcap = Pcap(path)
    t = 0
    for i in range(count):
        cs, ss = (i * 7919) & 0xFFFFFFFF, (i * 104729) & 0xFFFFFFFF
        frames = [frame(c, s, 40000, 25, 0x02, cs), frame(s, c, 25, 40000, 0x12, ss, cs + 1),
                  frame(c, s, 40000, 25, 0x10, cs + 1, ss + 1),
                  frame(s, c, 25, 40000, 0x18, ss + 1, cs + 1, b"220 mx ESMTP\r\n"),
                  frame(c, s, 40000, 25, 0x18, cs + 1, ss + 15, b"QUIT\r\n"),
                  frame(s, c, 25, 40000, 0x18, ss + 15, cs + 7, b"221 Bye\r\n"),
                  frame(s, c, 25, 40000, 0x11, ss + 24, cs + 7),
                  frame(c, s, 40000, 25, 0x11, cs + 7, ss + 25),
                  frame(s, c, 25, 40000, 0x10, ss + 25, cs + 8)]
        for data in frames:
            pcap.add(t, data)
            t += 1000
        t += 10000
    pcap.close()
    os.chmod(path, 0o644)


def native_peak(*argv):
    """(stdout, peak resident memory in KB) of the native reader."""
    proc = subprocess.Popen([READ] + list(argv), stdout=subprocess.PIPE, encoding="utf-8")
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise AssertionError("%s failed" % argv)
    return out, usage.ru_maxrss


def make(kind, path, *args):
    """Made in a process of its own: a child forked from a test that holds a
    million frames would count them in its own peak memory."""
    subprocess.run([sys.executable, os.path.abspath(__file__), "--make", kind, path] + [str(a) for a in args],
                   check=True)
    os.chmod(path, 0o644)


class EngineMemory(TsharkCase):
    def test_a_million_unanswered_syns(self):
        cap = self.scratch("syn-flood.pcap")
        make("syn-flood", cap)
        without = self.start_measured(["tshark", "-r", cap, "-Y", "smtp.response.code == 421", "-T", "fields",
                                       "-e", "frame.number"], self.scratch("without.txt"), plugin=False)
        with_plugin = self.start_measured(["tshark", "-r", cap, "-Y", "smtp_timeout.reply_421", "-T", "fields",
                                           "-e", "frame.number", "-e", "smtp_timeout.server_timeout"],
                                          self.scratch("with.txt"))
        base_out, base_kb = self.finish_measured(without)
        out, kb = self.finish_measured(with_plugin)
        rows, native_kb = native_peak(cap)
        attempts, _ = native_peak("--attempts", cap)
        print("1,000,000 SYNs: tshark %.0f MB without the plugin, %.0f MB with it (x%.3f); native reader %.1f MB"
              % (base_kb / 1024.0, kb / 1024.0, kb / base_kb, native_kb / 1024.0))
        self.assertEqual(len(base_out.split()), 1)
        self.assertEqual(out.split(), [base_out.split()[0], "300.000000000"])
        self.assertEqual(len(rows.splitlines()), 2)
        self.assertIn(",421 timeout,DATA (0 bytes),0,300.000,300.000,", rows.splitlines()[1])
        self.assertEqual(attempts, "server,first_frame,unanswered,refused,syns\n"
                                   "198.51.100.80:25,1,125000,0,500000\n198.51.100.81:25,2,125000,0,500000\n")
        self.assertLess(native_kb, 64 * 1024)
        self.assertLess(kb, base_kb * 1.10)

    def test_ended_sessions_cost_what_their_rows_cost(self):
        small, large = self.scratch("rows-10k.pcap"), self.scratch("rows-100k.pcap")
        make("in-a-row", small, 10000)
        make("in-a-row", large, 100000)
        rows_small, kb_small = native_peak(small)
        rows_large, kb_large = native_peak(large)
        print("sessions in a row: 10,000 in %.1f MB, 100,000 in %.1f MB: %.0f bytes a session"
              % (kb_small / 1024.0, kb_large / 1024.0, (kb_large - kb_small) * 1024.0 / 90000))
        self.assertEqual(len(rows_small.splitlines()), 10001)
        self.assertEqual(len(rows_large.splitlines()), 100001)
        self.assertEqual(rows_large.splitlines()[-1].split(",")[:5], ["899992", "192.0.2.30:40000",
                                                                      "198.51.100.30:25", "unknown", "ok"])
        self.assertLess(kb_large - kb_small, 8 * 1024)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--make"]:
        if sys.argv[2] == "syn-flood":
            syn_flood(sys.argv[3])
        else:
            sessions_in_a_row(sys.argv[3], int(sys.argv[4]))
    else:
        main()
