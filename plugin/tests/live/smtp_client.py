#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A scripted SMTP client that misbehaves on purpose, for the live tests.

    smtp_client.py HOST PORT SCENARIO [--stall S] [--body N] [--count N]

Scenarios:
  stall-after-354   pipeline RCPT+DATA in one segment, get 354, stall S
                    seconds, then write the body into the (closed) socket
  stall-after-ehlo  EHLO, then stall S seconds
  stall-mid-body    get 354, send N body bytes, stall S seconds
  starttls-idle     STARTTLS, get 220, never start TLS, stall S seconds
  pause             get 354, pause S seconds (below the timeout), finish
  clean             a normal session, N of them at once with --count

It prints one line per session: "scenario client-port outcome".
"""

import argparse
import socket
import threading
import time

BODY_LINE = b"This is a line of the live test message body, 64 bytes long.. \r\n"


class Session:
    def __init__(self, host, port):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        # One write, one segment: pipelined commands travel together.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(30)
        self.sock.connect((host, port))
        self.port = self.sock.getsockname()[1]
        self.buf = b""
        self.reply()

    def reply(self):
        """One whole reply; its last line."""
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return None
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            if len(line) < 4 or line[3:4] != b"-":
                return line.decode("ascii", "replace")

    def send(self, data):
        self.sock.sendall(data)

    def command(self, line):
        self.send(line + b"\r\n")
        return self.reply()

    def until_354(self):
        self.command(b"EHLO client.smtp-timeout.test")
        self.command(b"MAIL FROM:<sender@client.smtp-timeout.test>")
        self.send(b"RCPT TO:<rcpt@example.net>\r\nDATA\r\n")
        rcpt, data = self.reply(), self.reply()
        if not data or not data.startswith("354"):
            raise SystemExit("expected 354, got %r / %r" % (rcpt, data))

    def write_late(self, data):
        """Write into a socket the server may have closed: say what happened."""
        try:
            self.send(data)
            time.sleep(0.3)
            self.send(data)
            return "written"
        except (BrokenPipeError, ConnectionResetError):
            return "reset"

    def wait_close(self):
        try:
            last = None
            while True:
                line = self.reply()
                if line is None:
                    return last or "closed"
                last = line
        except (ConnectionResetError, socket.timeout):
            return last or "reset"

    def close(self):
        self.sock.close()


def body(size):
    """Whole lines, about size bytes (Postfix counts only complete lines)."""
    return BODY_LINE * max(1, round(size / len(BODY_LINE)))


def run(host, port, scenario, stall, size):
    s = Session(host, port)
    outcome = ""
    if scenario == "stall-after-354":
        s.until_354()
        time.sleep(stall)
        outcome = s.write_late(body(1024))
    elif scenario == "stall-after-ehlo":
        s.command(b"EHLO client.smtp-timeout.test")
        time.sleep(stall)
        outcome = s.wait_close()
    elif scenario == "stall-mid-body":
        s.until_354()
        s.send(body(size))
        time.sleep(stall)
        outcome = s.wait_close()
    elif scenario == "starttls-idle":
        s.command(b"EHLO client.smtp-timeout.test")
        s.command(b"STARTTLS")
        time.sleep(stall)
        outcome = s.wait_close()
    elif scenario in ("pause", "clean"):
        s.until_354()
        time.sleep(stall if scenario == "pause" else 0)
        s.send(b"Subject: live test\r\n\r\n" + body(size) + b".\r\n")
        queued = s.reply()
        bye = s.command(b"QUIT")
        outcome = "%s / %s" % (queued, bye)
    else:
        raise SystemExit("unknown scenario " + scenario)
    s.close()
    return "%s %d %s" % (scenario, s.port, outcome)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("scenario")
    ap.add_argument("--stall", type=float, default=0)
    ap.add_argument("--body", type=int, default=2000)
    ap.add_argument("--count", type=int, default=1)
    args = ap.parse_args()
    results = [None] * args.count

    def one(i):
        results[i] = run(args.host, args.port, args.scenario, args.stall, args.body)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
