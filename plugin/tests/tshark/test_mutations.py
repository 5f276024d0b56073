# SPDX-License-Identifier: GPL-2.0-or-later
"""Mutated captures, as Wireshark's own fuzz testing makes them: random byte
errors (editcap -E), snap-length cuts (editcap -s), time shifts of part of
a file (editcap -t on a slice, then mergecap -a), reordering (reordercap),
duplication (mergecap -a of a file with itself); over every capture in
testdata/, the encrypted ones with their keys too (a -keys.pcapng gives its
secrets as a key log beside its bare .pcap, which is mutated: editcap 4.0
cannot read a pcapng that holds secrets).  tshark must finish cleanly every
time, with and without -2.

SMTP_TIMEOUT_MUTATIONS sets the number of runs (default 120); the
sanitize preset runs the same with the plugin under ASan and UBSan.
"""

import os
import random
import struct

from stharness import TESTDATA, TsharkCase, main

RUNS = int(os.environ.get("SMTP_TIMEOUT_MUTATIONS", "120"))
REORDERCAP = os.environ.get("REORDERCAP", "reordercap")
DECODES = ["-d", "tcp.port==2525,smtp", "-d", "tcp.port==10025,smtp", "-d", "tcp.port==10026,smtp",
           "-d", "tls.port==10027,smtp"]
KEYED = "-keys.pcapng"


def all_captures():
    """Every capture, as (the file to mutate, the pcapng whose secrets go
    with it, or None)."""
    found = []
    for root, _, files in os.walk(TESTDATA):
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), TESTDATA)
            if f.endswith(KEYED):
                found.append((rel[:-len(KEYED)] + ".pcap", rel))
            elif f.endswith((".pcap", ".pcapng")):
                found.append((rel, None))
    return sorted(found, key=lambda c: (c[0], c[1] or ""))


def key_log(pcapng):
    """The TLS key log a pcapng's Decryption Secrets Blocks hold."""
    with open(pcapng, "rb") as f:
        data = f.read()
    keys, pos = b"", 0
    while pos + 12 <= len(data):
        kind, length = struct.unpack("<II", data[pos:pos + 8])
        if kind == 0x0000000A and struct.unpack("<I", data[pos + 8:pos + 12])[0] == 0x544C534B:
            size = struct.unpack("<I", data[pos + 12:pos + 16])[0]
            keys += data[pos + 16:pos + 16 + size]
        pos += max(length, 12)
    return keys


class Mutations(TsharkCase):
    def mutate(self, rng, source, k):
        out = "m%d.pcap" % k
        kind = rng.choice(["errors", "snap", "shift", "reorder", "twice", "errors+snap"])
        if kind in ("errors", "errors+snap"):
            path = self.derive(out, [self.EDITCAP, "-E", "%.3f" % rng.uniform(0.001, 0.3),
                                     "--seed", str(rng.randrange(1 << 30)), source, "{out}"])
            if kind == "errors+snap":
                path = self.derive("s" + out, [self.EDITCAP, "-s", str(rng.randrange(40, 200)), path, "{out}"])
            return kind, path
        if kind == "snap":
            return kind, self.derive(out, [self.EDITCAP, "-s", str(rng.randrange(20, 300)), source, "{out}"])
        if kind == "twice":
            return kind, self.derive(out, [self.MERGECAP, "-a", "-w", "{out}", source, source])
        # Cut the file in two, move the first part in time, put it back after
        # the second: time runs backwards; reordercap may sort it again.
        count = int(self.tshark("-r", source, "-T", "fields", "-e", "frame.number").split()[-1])
        cut = rng.randrange(1, max(2, count))
        head = self.derive("h" + out, [self.EDITCAP, "-r", source, "{out}", "1-%d" % cut])
        tail = self.derive("t" + out, [self.EDITCAP, "-r", source, "{out}", "%d-%d" % (cut + 1, count + 1)])
        shifted = self.derive("x" + out, [self.EDITCAP, "-t", "%.6f" % rng.uniform(-3600, 3600), head, "{out}"])
        path = self.derive(out, [self.MERGECAP, "-a", "-w", "{out}", tail, shifted])
        if kind == "reorder":
            path = self.derive("r" + out, [REORDERCAP, path, "{out}"])
        return kind, path

    def keys_for(self, keyed):
        path = self.scratch(os.path.basename(keyed) + ".keys")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(key_log(self.capture(keyed)))
            os.chmod(path, 0o644)
        return path

    def test_mutated_captures_never_break_tshark(self):
        rng = random.Random(int(os.environ.get("SMTP_TIMEOUT_MUTATION_SEED", "20261122")))
        captures = all_captures()
        self.assertGreater(len(captures), 15)
        self.assertGreaterEqual(len([c for c in captures if c[1]]), 5)
        self.assertIn(b"CLIENT_TRAFFIC_SECRET_0 ", key_log(self.capture("postfix/tls-clean-keys.pcapng")))
        kinds = {}
        for k in range(RUNS):
            name, keyed = rng.choice(captures)
            kind, path = self.mutate(rng, self.capture(name), k)
            args = (["-2"] if rng.random() < 0.5 else []) + ["-r", path, "-V"] + DECODES
            if keyed:
                args += ["-o", "tls.keylog_file:" + self.keys_for(keyed)]
                kinds["with keys"] = kinds.get("with keys", 0) + 1
            if rng.random() < 0.3:
                args += ["-o", "smtp_timeout.gap_threshold:%d" % rng.randrange(0, 30)]
            out = self.tshark(*args)  # raises unless tshark exits 0
            # Wireshark's own dissectors may assert on mutated bytes (seen:
            # TLS, packet-tls.c); ours must never.
            self.assertNotIn("Dissector bug, protocol SMTP-Timeout", out)
            kinds[kind] = kinds.get(kind, 0) + 1
            for prefix in ("", "s", "h", "t", "x", "r"):
                derived = self.scratch("%sm%d.pcap" % (prefix, k))
                if os.path.exists(derived):
                    os.unlink(derived)
        print("mutation runs by kind:", kinds)
        self.assertEqual(sum(v for k, v in kinds.items() if k != "with keys"), RUNS)


if __name__ == "__main__":
    main()
