# SPDX-License-Identifier: GPL-2.0-or-later
"""Live tests of the path and of the capture: a real path-MTU black hole in
network namespaces the suite makes (netns_path.py, fixture live.netns.start),
captured at the client and at the server at once; and one stall recorded by
dumpcap as pcap and pcapng and by tcpdump on "any", read alike.

Needs root (namespaces, captures); skipped (exit 77) without."""

import os
import re
import subprocess
import sys
import time
import unittest

from test_live import DECODE, HERE, STALL, TIMEOUT, LiveCase, Recording
from stharness import TsharkCase, ms

import netns_path

NETNS_TAG = os.environ.get("LIVE_NETNS_TAG", "t0")
NETNS_DIR = os.environ.get("LIVE_NETNS_DIR", "")
NS = netns_path.names(NETNS_TAG)
CLIENT_WAIT = 5.0  # how long the client waits for the server's TLS flight
BODY = 8000        # bytes: five full-size segments and a small tail
MSS = 1448         # 1500 less IP and TCP headers with timestamps
STORY = ["frame.number", "smtp_timeout.after", "smtp_timeout.data_bytes", "smtp_timeout.silent_side",
         "smtp_timeout.idle", "smtp_timeout.idle_start", "smtp_timeout.gave_up", "smtp_timeout.cause",
         "smtp_timeout.tls_stage", "smtp_timeout.message", "smtp_timeout.why", "smtp_timeout.hint"]
MTU_HINT = ("Fix the network path first: full-size segments do not get through (an MTU black hole); allow ICMP "
            "fragmentation-needed on the path or clamp the TCP MSS")


class LiveBlackHole(TsharkCase):
    """Client and Postfix on either side of a hop that drops full-size
    packets and the ICMP that would say so."""

    log = os.path.join(NETNS_DIR, "postfix.log")

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            print("live tests need root (network namespaces); skipped")
            sys.exit(77)
        super().setUpClass()

    def record_both_ends(self, name, *client_args, env=None):
        """The client's session, captured in the client's namespace and in
        the server's at once; the captures, the client's line, the server's
        log lines."""
        offset = os.path.getsize(self.log)
        at_client = Recording(name + "-client", netns_path.PORT, iface="c0", netns=NS["client"])
        at_server = Recording(name + "-server", netns_path.PORT, iface="s0", netns=NS["server"])
        with at_client, at_server:
            out = subprocess.run(["ip", "netns", "exec", NS["client"], sys.executable,
                                  os.path.join(HERE, "smtp_client.py"), netns_path.SERVER_ADDR,
                                  str(netns_path.PORT), "clean"] + list(client_args),
                                 stdout=subprocess.PIPE, encoding="utf-8", check=True, timeout=60,
                                 env=env).stdout
        time.sleep(0.2)
        with open(self.log, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            lines = [l.rstrip("\n") for l in f if "postfix/smtpd" in l]
        caps = []
        for rec in (at_client, at_server):
            copy = self.scratch(os.path.basename(rec.path))
            with open(rec.path, "rb") as src, open(copy, "wb") as dst:
                dst.write(src.read())
            os.chmod(copy, 0o644)
            caps.append(copy)
        return caps, out.strip(), lines

    def logged(self, lines, pattern):
        found = [l for l in lines if re.search(pattern, l)]
        self.assertEqual(len(found), 1, "no single %r in:\n%s" % (pattern, "\n".join(lines)))

    def story(self, cap):
        """The finding rows, the same in one pass and -2 (idle-start notes,
        known only to -2, aside)."""
        one = self.findings(cap, STORY)
        two = [r for r in self.findings(cap, STORY, two_pass=True) if not r[9].startswith("Idle interval starts")]
        self.assertEqual(one, two)
        return one

    def frame_of(self, cap, display):
        return self.tshark("-r", cap, "-Y", display, "-T", "fields", "-e", "frame.number").split()

    def test_mtu_blackhole_during_data(self):
        (at_client, at_server), client, log = self.record_both_ends("blackhole-data", "--body", str(BODY))
        self.assertRegex(client, r"^clean \d+ 421 4\.4\.2 mx\.smtp-timeout\.test Error: timeout exceeded / None$")
        self.logged(log, r"timeout after DATA \(0 bytes\) from unknown\[198\.18\.1\.2\]$")
        for cap, evidence in ((at_client, r"full-size client segments sent again \d+ times and never answered"),
                              (at_server, r"%d bytes of the client's segments never arrived, and its peer never "
                                          r"acknowledged them" % (5 * MSS))):
            rows = self.story(cap)
            self.assertEqual(len(rows), 1, rows)
            row = rows[0]
            # The body never reached the server: its silence began at its 354.
            self.assertEqual(row[0], self.frame_of(cap, "smtp.response.code == 421")[0])
            self.assertEqual(row[5], self.frame_of(cap, "smtp.response.code == 354")[0])
            self.assertEqual(row[1:4], ["DATA", "0", "client"])
            self.assertLess(abs(float(row[4]) - TIMEOUT), 0.5, row)
            self.assertEqual(row[6:9], ["server", "mtu-blackhole", ""])
            self.assertEqual(row[9], "421 4.4.2 after DATA (0 bytes): server gave up after %s s of client silence"
                             % ms(row[4]))
            self.assertRegex(row[10], r"^The server gave up after 3\.\d{3} s, below RFC 5321's 5-minute minimum; "
                                      r"cause mtu-blackhole: " + evidence + "$")
            self.assertEqual(row[11], MTU_HINT)

    def classic_groups(self):
        """The client's environment with an OpenSSL configuration that offers
        only classic key shares. OpenSSL 3.5 (trixie, sid) also offers a
        post-quantum one by default, which makes the ClientHello itself
        longer than a segment: the hole would eat the hello, not the
        server's flight, and the client's FIN would wait behind it, never to
        be captured."""
        conf = self.scratch("classic-groups.cnf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write("openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = groups\n"
                    "[groups]\nGroups = X25519:P-256\n")
        return dict(os.environ, OPENSSL_CONF=conf)

    def test_mtu_blackhole_tls_flight(self):
        (at_client, at_server), client, log = self.record_both_ends(
            "blackhole-tls", "--tls", "starttls", "--timeout", str(CLIENT_WAIT), env=self.classic_groups())
        self.assertRegex(client, r"^clean \d+ gave up waiting$")
        # Postfix 3.7 logs the client's close at once ("SSL_accept error ...
        # lost connection"); later ones, with a newer OpenSSL, may still be
        # waiting for the handshake when the test ends: no timeout, either way.
        self.logged(log, r"connect from unknown\[198\.18\.1\.2\]$")
        self.assertEqual([l for l in log if "timeout" in l], [])
        for cap, evidence in ((at_client, r"\d+ bytes of the server's segments never arrived, and its peer never "
                                          r"acknowledged them"),
                              (at_server, r"full-size server segments sent again \d+ times and never answered")):
            rows = self.story(cap)
            self.assertEqual(len(rows), 1, rows)
            row = rows[0]
            # The client's FIN after its wait, which began with its ClientHello.
            fin = self.frame_of(cap, "tcp.flags.fin == 1 && tcp.srcport != 25")
            hello = self.frame_of(cap, "tls.handshake.type == 1")
            self.assertEqual([row[0], row[5]], [fin[0], hello[0]])
            self.assertEqual(row[1:4], ["STARTTLS", "", "server"])
            self.assertLess(abs(float(row[4]) - CLIENT_WAIT), 0.5, row)
            self.assertEqual(row[6:9], ["client", "mtu-blackhole", "server-hello"])
            self.assertEqual(row[9], "Client closed the connection after %s s waiting for the server's TLS flight "
                                     "(server-hello): it gave up" % ms(row[4]))
            self.assertRegex(row[10], r"^The client gave up after 5\.\d{3} s; cause mtu-blackhole: " + evidence + "$")
            self.assertEqual(row[11], MTU_HINT)


class LiveCaptureTools(LiveCase):
    """One stall, three recorders at once: what each file holds differs
    (pcap, pcapng, Linux cooked headers); the story does not."""

    def test_capture_tools(self):
        offset = os.path.getsize(self.log)
        recorders = [Recording("tools-dumpcap-pcap", self.port),
                     Recording("tools-dumpcap-pcapng", self.port, pcapng=True),
                     Recording("tools-tcpdump-any", self.port, iface="any", tool="tcpdump")]
        with recorders[0], recorders[1], recorders[2]:
            subprocess.run([sys.executable, os.path.join(HERE, "smtp_client.py"), "127.0.0.1", str(self.port),
                            "stall-after-354", "--stall", str(STALL)], stdout=subprocess.DEVNULL, check=True,
                           timeout=60)
        time.sleep(0.2)
        with open(self.log, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            self.logged([l for l in f if self.log_tag in l], r"timeout after DATA \(0 bytes\) from localhost")
        # dumpcap -P writes nanosecond pcap from Wireshark 4.2 on.
        kinds = [r"File type:           Wireshark/tcpdump/\.\.\. - (nanosecond )?pcap\n",
                 r"File type:           Wireshark/\.\.\. - pcapng\n",
                 r"File encapsulation:  Linux cooked-mode capture v2\n"]
        stories = []
        for rec, kind in zip(recorders, kinds):
            copy = self.scratch(os.path.basename(rec.path))
            with open(rec.path, "rb") as src, open(copy, "wb") as dst:
                dst.write(src.read())
            os.chmod(copy, 0o644)
            info = subprocess.run(["capinfos", "-t", "-E", copy], stdout=subprocess.PIPE, encoding="utf-8",
                                  check=True).stdout
            self.assertRegex(info, kind)
            rows = self.findings(copy, ["smtp_timeout.after", "smtp_timeout.data_bytes", "smtp_timeout.silent_side",
                                        "smtp_timeout.idle", "smtp_timeout.message"], *DECODE)
            stories.append(rows)
        self.assertEqual(len(stories[0]), 3, stories[0])
        self.assertEqual(stories[0][0][:3], ["DATA", "0", "client"])
        self.assertRegex(stories[0][0][4], r"^421 4\.4\.2 after DATA \(0 bytes\): server gave up after 3\.\d{3} s of "
                                           r"client silence$")
        # The client's 5 s stall less the server's 3 s timer: about 2 s, on
        # either side of it.
        self.assertRegex(stories[0][1][4], r"^Client sent 1024 bytes (1\.9\d\d|2\.0\d\d) s after the server closed "
                                           r"\(frame \d+\)")
        self.assertRegex(stories[0][2][4], r"^Server reset the connection ")
        # Each recorder stamps its own time: the figures agree to a few ms,
        # the words and frame numbers exactly.
        for other in stories[1:]:
            self.assertEqual([r[:3] for r in other], [r[:3] for r in stories[0]])
            self.assertEqual([re.sub(r"\d+\.\d{3} s", "# s", r[4]) for r in other],
                             [re.sub(r"\d+\.\d{3} s", "# s", r[4]) for r in stories[0]])
            for mine, theirs in zip(stories[0], other):
                if mine[3]:
                    self.assertLess(abs(float(mine[3]) - float(theirs[3])), 0.005, (mine, theirs))


if __name__ == "__main__":
    unittest.main(verbosity=2)
