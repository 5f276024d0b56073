#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's picture of the scan's HTML page, for the article's capture:
smtp-timeout-scan --html with the build's plugin, then a real headless
Chromium's screenshot of the page.

    plugin/tools/page_screenshot.py BUILD_DIR     (writes plugin/doc/page.png)

As root, tshark ignores the build's plugin folder: the scan then runs as
the user nobody, with a private HOME.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from headless_chromium import Browser  # noqa: E402


def main(build):
    plugins = os.path.join(os.path.abspath(build), "plugins")
    work = tempfile.mkdtemp(prefix="smtp-timeout-page-")
    try:
        os.chmod(work, 0o777)
        capture = os.path.join(work, "article.pcap")
        shutil.copy(os.path.join(ROOT, "testdata", "article.pcap"), capture)
        os.chmod(capture, 0o644)
        page = os.path.join(work, "page.html")
        argv = [sys.executable, os.path.join(HERE, "smtp-timeout-scan"), "-o", os.devnull, "--html", page,
                "article.pcap"]
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        env = {"HOME": work, "WIRESHARK_PLUGIN_DIR": plugins, "PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8"}
        subprocess.run(argv, env=env, cwd=work, check=True, stderr=subprocess.DEVNULL)
        with Browser(width=1180, height=620) as browser:
            tab = browser.open("file://" + page)
            tab.screenshot(os.path.join(ROOT, "plugin", "doc", "page.png"), full_page=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
