# SPDX-License-Identifier: GPL-2.0-or-later
"""A real headless Chromium, driven over its DevTools protocol through a
pipe (--remote-debugging-pipe: no port, no websocket library): open a page,
record every request it makes, run JavaScript in it, take a screenshot.

    with Browser() as browser:
        tab = browser.open("file:///tmp/page.html")
        tab.evaluate("document.title"); tab.screenshot("page.png")
        browser.requests   # every URL the page asked for
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time


def find_chromium():
    # Debian's /usr/bin/chromium is a shell wrapper: the browser itself is here.
    if os.access("/usr/lib/chromium/chromium", os.X_OK):
        return "/usr/lib/chromium/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, width=1280, height=900):
        self.width, self.height = width, height
        self.next_id = 0
        self.buffer = b""
        self.events = []
        self.requests = []

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="smtp-timeout-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        argv = [find_chromium(), "--headless=new", "--remote-debugging-pipe", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (self.width, self.height), "about:blank"]
        if os.geteuid() == 0:
            argv.insert(1, "--no-sandbox")  # Chromium's sandbox refuses root
        # Chromium reads commands on fd 3 and writes answers on fd 4: the
        # child puts the pipe's ends there (from fds out of their way).
        high_r, high_w = os.dup2(to_browser_r, 200), os.dup2(from_browser_w, 201)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def to_3_and_4():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        # close_fds would close 3 and 4 after the child put them there; the
        # parent's other descriptors are close-on-exec anyway.
        self.proc = subprocess.Popen(argv, close_fds=False, preexec_fn=to_3_and_4,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(high_r)
        os.close(high_w)
        return self

    def __exit__(self, *exc):
        try:
            self.send("Browser.close")
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def read_message(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium said nothing for %.0f s" % timeout)
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise EOFError("Chromium closed its pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=None):
        """Send a command and wait for its answer; events meanwhile are kept."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            answer = self.read_message()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError("%s: %s" % (method, answer["error"]))
                return answer.get("result", {})
            self.event(answer)

    def event(self, message):
        if message.get("method") == "Network.requestWillBeSent":
            self.requests.append(message["params"]["request"]["url"])
        self.events.append(message)

    def wait_for(self, method, timeout=30.0):
        for i, message in enumerate(self.events):
            if message.get("method") == method:
                del self.events[i]
                return message
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.read_message(timeout)
            self.event(message)
            if message.get("method") == method:
                self.events.remove(message)
                return message
        raise TimeoutError(method)

    def open(self, url):
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        tab = Tab(self, session)
        self.send("Network.enable", session=session)
        self.send("Page.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": self.width, "height": self.height,
                                                         "deviceScaleFactor": 1, "mobile": False}, session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired")
        return tab


class Tab:
    def __init__(self, browser, session):
        self.browser, self.session = browser, session

    def evaluate(self, expression):
        result = self.browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                        "awaitPromise": True}, session=self.session)
        if "exceptionDetails" in result:
            raise RuntimeError("JavaScript failed: %s" % result["exceptionDetails"])
        return result["result"].get("value")

    def screenshot(self, path, full_page=True):
        params = {"format": "png"}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size[0], "height": min(size[1], 4000), "scale": 1})
        data = self.browser.send("Page.captureScreenshot", params, session=self.session)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
