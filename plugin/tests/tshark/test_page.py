# SPDX-License-Identifier: GPL-2.0-or-later
"""The folder scan's HTML page, opened in a real headless Chromium (Debian's
chromium, driven over its DevTools protocol): it asks for nothing but its
own file, every session with findings has its timeline with the marks at
the right frames, the columns sort, the timelines page.

Skipped (77) where no Chromium is installed (the version chroots)."""

import os
import shutil
import sys

from stharness import main
from test_tools import ToolsCase

sys.path.insert(0, os.environ["SMTP_TIMEOUT_TOOLS"])
from headless_chromium import Browser, find_chromium  # noqa: E402

if find_chromium() is None:
    print("no Chromium: skipped")
    sys.exit(77)

JS_SECTIONS = """Array.from(document.querySelectorAll('section.timeline')).map(s => ({
  id: s.id, findings: s.getAttribute('data-frames'),
  marks: Array.from(s.querySelectorAll('g.mark')).map(g => [g.getAttribute('data-frame'), g.getAttribute('data-kind')]),
  idle: Array.from(s.querySelectorAll('rect.idle')).map(r => [r.getAttribute('data-from'), r.getAttribute('data-to'),
                                                              r.textContent]),
  hidden: s.hidden}))"""
JS_COLUMN = "Array.from(document.querySelectorAll('#sessions tbody tr')).map(r => r.cells[%d].textContent)"


class Page(ToolsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.folder = os.path.join(cls.home, "page-captures")
        os.makedirs(cls.folder)
        for name in ("article.pcap", "causes.pcap", "postfix/stall-after-354.pcap", "postfix/tls13-stall-after-354.pcap"):
            shutil.copy(os.path.join(os.environ["SMTP_TIMEOUT_TESTDATA"], name),
                        os.path.join(cls.folder, name.replace("/", "-")))
        for root, dirs, files in os.walk(cls.folder):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)

    def make_page(self, folder, name):
        page = os.path.join(self.out, name)
        self.tool("smtp-timeout-scan", "-d", "tcp.port==10025,smtp", "--html", page, "-o", os.devnull, folder)
        return page

    def test_page_in_chromium(self):
        page = self.make_page(self.folder, "page.html")
        with Browser() as browser:
            tab = browser.open("file://" + page)
            sections = tab.evaluate(JS_SECTIONS)
            self.assertEqual(browser.requests, ["file://" + page], "the page asked for more than itself")
            # 13 of causes.pcap and the article, the Postfix stall, and the one inside TLS.
            self.assertEqual(len(sections), 15)
            for s in sections:
                frames = {m[0] for m in s["marks"]}
                for wanted in s["findings"].split():
                    self.assertIn(wanted, frames, s["id"])
            article = [s for s in sections if ["1207", "late"] in s["marks"]][0]
            self.assertEqual([m for m in article["marks"] if m[0] in ("93", "865", "866", "1207", "1208")],
                             [["93", "reply"], ["865", "reply"], ["866", "fin"], ["1207", "late"], ["1208", "rst"]])
            self.assertEqual(article["idle"], [["93", "865", "idle 59.954 s, the server's timeout, frames 93 to 865"]])
            # A 300 s stall beside a 3 s one: each band says its own length.
            bands = [b[2].split(",")[0] for s in sections for b in s["idle"]]
            self.assertIn("idle 300.020 s", bands)
            self.assertIn("idle 3.004 s", bands)
            # Sorting: by idle, up, then down.
            idle_col = 7
            tab.evaluate("document.querySelectorAll('#sessions th')[%d].click()" % idle_col)
            up = [float(v) for v in tab.evaluate(JS_COLUMN % idle_col)]
            self.assertEqual(up, sorted(up))
            tab.evaluate("document.querySelectorAll('#sessions th')[%d].click()" % idle_col)
            down = [float(v) for v in tab.evaluate(JS_COLUMN % idle_col)]
            self.assertEqual(down, sorted(up, reverse=True))
            self.assertEqual(tab.evaluate("document.querySelectorAll('#sessions th')[%d].getAttribute('aria-sort')"
                                          % idle_col), "descending")

    def test_hundreds_of_sessions_page(self):
        many = os.path.join(self.home, "many")
        os.makedirs(many)
        for i in range(10):
            shutil.copy(os.path.join(self.folder, "causes.pcap"), os.path.join(many, "causes-%02d.pcap" % i))
        for root, dirs, files in os.walk(many):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        page = self.make_page(many, "many.html")
        with Browser() as browser:
            tab = browser.open("file://" + page)
            # 120 sessions, 20 timelines a page.
            self.assertEqual(tab.evaluate("document.querySelectorAll('#sessions tbody tr').length"), 120)
            self.assertEqual(tab.evaluate("document.getElementById('pageno').textContent"), "page 1 of 6")
            shown = tab.evaluate("Array.from(document.querySelectorAll('section.timeline')).filter(s => !s.hidden)"
                                 ".length")
            self.assertEqual(shown, 20)
            # A row's click shows the page of its timeline.
            tab.evaluate("document.querySelectorAll('#sessions tbody tr')[105].click()")
            self.assertEqual(tab.evaluate("document.getElementById('pageno').textContent"), "page 6 of 6")
            self.assertEqual(browser.requests, ["file://" + page])


if __name__ == "__main__":
    main()
