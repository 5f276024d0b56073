#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A scripted SMTP client that misbehaves on purpose, for the live tests.

    smtp_client.py HOST PORT SCENARIO [--stall S] [--body N] [--count N]
                   [--tls starttls|implicit] [--tls-version 1.2|1.3] [--keylog FILE]
                   [--timeout S] [--no-pipelining]

With --tls the dialogue goes on inside TLS (after STARTTLS and a second
EHLO, or from the first byte); --keylog writes the session keys as the NSS
key log that Wireshark reads. --timeout is how long the client waits for
any reply (30 s by default); a client that waits in vain gives up and
closes, and says "gave up waiting". --no-pipelining sends RCPT and DATA
one at a time, for servers that refuse pipelining (OpenSMTPD).

Scenarios:
  stall-after-354   pipeline RCPT+DATA in one segment, get 354, stall S
                    seconds, then write the body into the (closed) socket
  stall-after-ehlo  EHLO, then stall S seconds
  stall-mid-body    get 354, send N body bytes, stall S seconds
  starttls-idle     STARTTLS, get 220, never start TLS, stall S seconds
  pause             get 354, pause S seconds (below the timeout), finish
  clean             a normal session, N of them at once with --count
  no-finished       STARTTLS, get 220, send a ClientHello, read the
                    server's flight and never answer it, stall S seconds
  pipeline-probe    RCPT+DATA in one segment; print both replies, QUIT

It prints one line per session: "scenario client-port outcome".
"""

import argparse
import socket
import ssl
import threading
import time

BODY_LINE = b"This is a line of the live test message body, 64 bytes long.. \r\n"


def tls_context(version, keylog):
    """A client context that takes any certificate (the test's own), of one
    TLS version when asked, writing its keys when asked."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if version == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif version == "1.3":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if keylog:
        ctx.keylog_filename = keylog
    return ctx


class GaveUp(Exception):
    def __init__(self, port):
        super().__init__(port)
        self.port = port


class Session:
    def __init__(self, host, port, tls=None, ctx=None, timeout=30):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        # One write, one segment: pipelined commands travel together.
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.port = self.sock.getsockname()[1]
        self.raw = self.sock
        self.ctx = ctx
        self.buf = b""
        try:
            if tls == "implicit":
                self.sock = ctx.wrap_socket(self.raw, server_hostname="mx.smtp-timeout.test")
            self.reply()
            if tls == "starttls":
                self.command(b"EHLO client.smtp-timeout.test")
                self.starttls()
        except (socket.timeout, TimeoutError):
            self.raw.close()  # as a client that waited long enough closes
            raise GaveUp(self.port)

    def starttls(self):
        reply = self.command(b"STARTTLS")
        if not reply or not reply.startswith("220"):
            raise SystemExit("expected 220 to STARTTLS, got %r" % reply)
        self.sock = self.ctx.wrap_socket(self.raw, server_hostname="mx.smtp-timeout.test")

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

    def until_354(self, pipelining=True):
        self.command(b"EHLO client.smtp-timeout.test")
        self.command(b"MAIL FROM:<sender@client.smtp-timeout.test>")
        if pipelining:
            self.send(b"RCPT TO:<rcpt@example.net>\r\nDATA\r\n")
            rcpt, data = self.reply(), self.reply()
        else:
            rcpt = self.command(b"RCPT TO:<rcpt@example.net>")
            data = self.command(b"DATA")
        if not data or not data.startswith("354"):
            raise SystemExit("expected 354, got %r / %r" % (rcpt, data))

    def write_late(self, data):
        """Write into a socket the server may have closed: say what happened."""
        try:
            self.send(data)
            time.sleep(0.3)
            self.send(data)
            return "written"
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
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
        except ssl.SSLError as e:
            # Exim answers in clear inside TLS: no record, an error here.
            return "tls error " + (e.reason or str(e))

    def no_finished(self, stall):
        """STARTTLS, then a ClientHello and nothing after the server's flight."""
        reply = self.command(b"STARTTLS")
        if not reply or not reply.startswith("220"):
            raise SystemExit("expected 220 to STARTTLS, got %r" % reply)
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = self.ctx.wrap_bio(incoming, outgoing, server_hostname="mx.smtp-timeout.test")
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        self.raw.sendall(outgoing.read())
        flight = self.raw.recv(65536)
        time.sleep(stall)
        try:
            rest = self.raw.recv(65536)
        except (ConnectionResetError, socket.timeout):
            rest = b""
        return "flight %d bytes, then %s" % (len(flight), "closed" if not rest else "%d bytes" % len(rest))

    def close(self, finish="close"):
        """close: as it comes; notify: a TLS close_notify first; reset: an
        RST (SO_LINGER 0), as some clients end."""
        try:
            if finish == "notify" and self.sock is not self.raw:
                self.sock = self.sock.unwrap()
        except (OSError, ssl.SSLError):
            pass
        if finish == "reset":
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.sock.close()
        if self.raw is not self.sock:
            self.raw.close()


def body(size):
    """Whole lines, about size bytes (Postfix counts only complete lines)."""
    return BODY_LINE * max(1, round(size / len(BODY_LINE)))


def run(host, port, scenario, stall, size, tls=None, ctx=None, finish="close", timeout=30, pipelining=True):
    try:
        s = Session(host, port, None if scenario == "no-finished" else tls, ctx, timeout)
    except GaveUp as e:
        return "%s %d gave up waiting" % (scenario, e.port)
    outcome = ""
    if scenario == "stall-after-354":
        s.until_354(pipelining)
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
    elif scenario == "no-finished":
        s.command(b"EHLO client.smtp-timeout.test")
        outcome = s.no_finished(stall)
    elif scenario == "pipeline-probe":
        s.command(b"EHLO client.smtp-timeout.test")
        s.command(b"MAIL FROM:<sender@client.smtp-timeout.test>")
        s.send(b"RCPT TO:<rcpt@example.net>\r\nDATA\r\n")
        try:
            outcome = "%s / %s / %s" % (s.reply(), s.reply(), s.command(b"QUIT"))
        except OSError:
            outcome = "closed"
    elif scenario in ("pause", "clean"):
        s.until_354()
        time.sleep(stall if scenario == "pause" else 0)
        s.send(b"Subject: live test\r\n\r\n" + body(size) + b".\r\n")
        queued = s.reply()
        bye = s.command(b"QUIT")
        outcome = "%s / %s" % (queued, bye)
    else:
        raise SystemExit("unknown scenario " + scenario)
    s.close(finish)
    return "%s %d %s" % (scenario, s.port, outcome)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("scenario")
    ap.add_argument("--stall", type=float, default=0)
    ap.add_argument("--body", type=int, default=2000)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--tls", choices=["starttls", "implicit"])
    ap.add_argument("--tls-version", choices=["1.2", "1.3"])
    ap.add_argument("--keylog")
    ap.add_argument("--finish", choices=["close", "notify", "reset"], default="close")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--no-pipelining", dest="pipelining", action="store_false")
    args = ap.parse_args()
    results = [None] * args.count
    ctx = tls_context(args.tls_version, args.keylog)

    def one(i):
        results[i] = run(args.host, args.port, args.scenario, args.stall, args.body, args.tls, ctx, args.finish,
                         args.timeout, args.pipelining)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(args.count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        print(r)


if __name__ == "__main__":
    main()
