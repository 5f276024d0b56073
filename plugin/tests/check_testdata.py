#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Each testdata/NAME.pcap is exactly what scenarios/NAME.scn makes, and
every capture (recordings in subfolders too) is listed in testdata/README.md."""

import os
import subprocess
import sys
import tempfile

testdata = sys.argv[1]
scenarios = os.path.join(testdata, "scenarios")
readme = open(os.path.join(testdata, "README.md"), encoding="utf-8").read()
failures = []
names = sorted(f[:-4] for f in os.listdir(scenarios) if f.endswith(".scn"))
with tempfile.TemporaryDirectory() as tmp:
    for name in names:
        out = os.path.join(tmp, name + ".pcap")
        subprocess.run([sys.executable, os.path.join(testdata, "mkpcap.py"),
                        os.path.join(scenarios, name + ".scn"), out], check=True)
        committed = os.path.join(testdata, name + ".pcap")
        if not os.path.exists(committed):
            failures.append("%s.pcap is missing" % name)
        elif open(out, "rb").read() != open(committed, "rb").read():
            failures.append("%s.pcap differs from scenarios/%s.scn (run testdata/make-all)" % (name, name))
        if "`%s.pcap`" % name not in readme:
            failures.append("%s.pcap is not listed in testdata/README.md" % name)
for root, dirs, files in os.walk(testdata):
    for f in files:
        rel = os.path.relpath(os.path.join(root, f), testdata)
        if f.endswith((".pcap", ".pcapng")) and os.path.dirname(rel) and "`%s`" % rel not in readme:
            failures.append("%s is not listed in testdata/README.md" % rel)
for f in failures:
    print("FAIL:", f)
print("%d passed, %d failed" % (len(names) - len(set(f.split(".")[0] for f in failures)), len(failures)))
sys.exit(1 if failures else 0)
