# SPDX-License-Identifier: GPL-2.0-or-later
"""Freeze a real SMTP client mid-session, as a sender that goes silent
does: a watcher on the loopback interface sees the client send a chosen
command (DATA, to freeze it right after the 354; EHLO, right after the
EHLO reply), stops the client's process with SIGSTOP before it can read
the reply, and resumes it with SIGCONT after a while.  The client is never
changed: swaks, smtp-source, Postfix's own smtp process.

The watcher reads every frame of `lo` (an AF_PACKET socket: root only),
each once (as it arrives, not as it leaves).  The client's process is the
one given, or the one that owns the connection's local port, found in
/proc when the client connects.  A fast client (smtp-source, Postfix)
reads a reply within microseconds, faster than any watcher can stop it:
the server it talks to pauses a second before the replies to EHLO and
DATA (postfix_instance.py's freeze listener), as a loaded server may.
"""

import os
import signal
import socket
import struct
import threading
import time

ETH_P_ALL = 0x0003
PACKET_HOST = 0


def owner_of_port(port):
    """The pid of the process with a TCP socket bound to local PORT, or None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port:
                        inodes.add("socket:[%s]" % fields[9])
        except OSError:
            continue
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
            if any(os.readlink("/proc/%s/fd/%s" % (pid, fd)) in inodes for fd in fds):
                return int(pid)
        except OSError:
            continue
    return None


def tcp_of(frame):
    """(source port, destination port, flags, payload) of an IPv4 or IPv6
    TCP frame behind loopback's Ethernet header, or None."""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if ethertype == 0x0800 and len(ip) >= 20 and ip[9] == 6:
        header = (ip[0] & 0x0F) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[header:total]
    elif ethertype == 0x86DD and len(ip) >= 40 and ip[6] == 6:
        tcp = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport = struct.unpack("!HH", tcp[0:4])
    return sport, dport, tcp[13], tcp[(tcp[12] >> 4) * 4:]


class Freezer:
    """Stop the client of SERVER_PORT when it sends TRIGGER (a command line's
    start), for HOLD seconds; once per connection, at most TIMES times."""

    def __init__(self, server_port, trigger, hold, pid=None, times=1):
        self.port = server_port
        self.trigger = trigger
        self.hold = hold
        self.pid = pid
        self.times = times
        self.owners = {}          # client port -> pid, found at its SYN
        self.frozen = []          # (client port, pid, when)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self.watch, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping = True
        self.thread.join()
        for _, pid, _ in self.frozen:
            try:
                os.kill(pid, signal.SIGCONT)  # never leave a client stopped
            except OSError:
                pass
        self.sock.close()

    def watch(self):
        # Once asked to stop, read on until the frames already queued are done.
        while True:
            try:
                frame, address = self.sock.recvfrom(65536)
            except socket.timeout:
                if self.stopping:
                    return
                continue
            if address[2] != PACKET_HOST:
                continue
            seen = tcp_of(frame)
            if seen is not None and seen[1] == self.port:
                self.client_frame(*seen)

    def client_frame(self, sport, dport, flags, payload):
        if flags & 0x02 and sport not in self.owners:      # SYN: who is connecting
            self.owners[sport] = self.pid or owner_of_port(sport)
            return
        done = {p for p, _, _ in self.frozen}
        if sport in done or len(self.frozen) >= self.times:
            return
        if payload.startswith(self.trigger) or (b"\r\n" + self.trigger) in payload:
            pid = self.owners.get(sport) or owner_of_port(sport)
            if pid is None:
                return
            os.kill(pid, signal.SIGSTOP)
            self.frozen.append((sport, pid, time.monotonic()))
            threading.Timer(self.hold, self.thaw, args=(pid,)).start()

    @staticmethod
    def thaw(pid):
        try:
            os.kill(pid, signal.SIGCONT)
        except OSError:
            pass
