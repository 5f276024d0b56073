#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A path-MTU black hole, for real: four network namespaces the live tests
make themselves, and a private Postfix at the far end.

    client ---- router A ==== router B ---- server
    MTU 1500          MTU 1280          MTU 1500

Both ends have an MTU of 1500, so TCP agrees on segments of 1448 bytes;
the hop between the routers carries only 1280. A router that cannot forward
a full-size packet (TCP sets Don't Fragment) answers with ICMP
"fragmentation needed", and both routers drop those answers (nftables, in
their output chains): the sender never learns, and its full-size segments
vanish while small ones pass, as behind a firewall that filters all ICMP.
Offloads are turned off on every veth (ethtool), so that each capture shows
the segments as they travel.

    netns_path.py up TAG DIR      make the path, start Postfix in the server
    netns_path.py down TAG DIR    stop Postfix, remove the namespaces

TAG makes the names unique (one build tree, one tag). Addresses are from
198.18.0.0/15, the range kept for network tests (RFC 2544): the client is
198.18.1.2, the server 198.18.3.2, Postfix on port 25.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT_ADDR = "198.18.1.2"
SERVER_ADDR = "198.18.3.2"
SMALL_MTU = 1280
PORT = 25
STARTTLS_TIMEOUT = 30  # longer than the client's wait: the client gives up first
CHAIN = 5              # certificates after the server's own: a flight of about 7 kB


def names(tag):
    return {"client": "st%s-c" % tag, "a": "st%s-a" % tag, "b": "st%s-b" % tag, "server": "st%s-s" % tag}


def ip(*argv, ns=None, check=True):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(argv)
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8")


def in_ns(ns, *argv, check=True):
    return subprocess.run(["ip", "netns", "exec", ns] + list(argv), check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, encoding="utf-8")


# Each link: (namespace, interface, address) at both ends, and its MTU.
def links(n):
    return [((n["client"], "c0", "198.18.1.2/24"), (n["a"], "a0", "198.18.1.1/24"), 1500),
            ((n["a"], "a1", "198.18.2.1/24"), (n["b"], "b1", "198.18.2.2/24"), SMALL_MTU),
            ((n["b"], "b2", "198.18.3.1/24"), (n["server"], "s0", "198.18.3.2/24"), 1500)]


ROUTES = [("client", "default", "198.18.1.1"), ("server", "default", "198.18.3.1"),
          ("a", "198.18.3.0/24", "198.18.2.2"), ("b", "198.18.1.0/24", "198.18.2.1")]

# Locally made ICMP "fragmentation needed" (type 3, code 4) never leaves a router.
NFT_RULES = """table ip smtp_timeout_blackhole {
    chain out {
        type filter hook output priority 0; policy accept;
        icmp type destination-unreachable icmp code frag-needed drop
    }
}
"""


def up(tag, base):
    n = names(tag)
    down(tag, base)
    for ns in n.values():
        ip("netns", "add", ns)
        ip("link", "set", "lo", "up", ns=ns)
    for (ns1, if1, addr1), (ns2, if2, addr2), mtu in links(n):
        ip("link", "add", if1, "netns", ns1, "mtu", str(mtu), "type", "veth", "peer", "name", if2, "netns", ns2,
           "mtu", str(mtu))
        for ns, dev, addr in ((ns1, if1, addr1), (ns2, if2, addr2)):
            ip("addr", "add", addr, "dev", dev, ns=ns)
            ip("link", "set", dev, "up", ns=ns)
            in_ns(ns, "ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", check=False)
    for who, dest, via in ROUTES:
        ip("route", "add", dest, "via", via, ns=n[who])
    for router in (n["a"], n["b"]):
        in_ns(router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
        subprocess.run(["ip", "netns", "exec", router, "nft", "-f", "-"], input=NFT_RULES, encoding="utf-8",
                       check=True)
    out = in_ns(n["server"], sys.executable, os.path.join(HERE, "postfix_instance.py"), "start", base, str(PORT),
                "--listen", SERVER_ADDR, "--starttls-timeout", str(STARTTLS_TIMEOUT), "--chain", str(CHAIN),
                check=False)
    if out.returncode != 0:
        down(tag, base)
        raise SystemExit("Postfix in %s did not start: %s" % (n["server"], out.stdout))


def down(tag, base):
    existing = ip("netns", "list", check=False).stdout
    stop = [sys.executable, os.path.join(HERE, "postfix_instance.py"), "stop", base]
    if names(tag)["server"] in existing.split():
        stop = ["ip", "netns", "exec", names(tag)["server"]] + stop
    subprocess.run(stop, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for ns in names(tag).values():
        if ns in existing.split():
            ip("netns", "del", ns, check=False)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] in ("up", "down"):
        (up if sys.argv[1] == "up" else down)(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
