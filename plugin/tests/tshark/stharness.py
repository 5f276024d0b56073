# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the real tshark with the freshly built plugin, as a user would.

Wireshark ignores personal plugin folders and WIRESHARK_PLUGIN_DIR when it
runs as root, and CI runs as root: so tshark runs here as 'nobody' (setpriv)
with a temporary HOME.  WIRESHARK_PLUGIN_DIR points at a folder holding only
the plugin under test, so a copy installed system-wide cannot stand in for it.
"""

import os
import pty
import re
import shutil
import subprocess
import tempfile
import unittest

PLUGIN = os.environ["SMTP_TIMEOUT_PLUGIN"]
TESTDATA = os.environ["SMTP_TIMEOUT_TESTDATA"]
WIRESHARK_XY = os.environ["WIRESHARK_XY"]
TSHARK = os.environ.get("TSHARK", "tshark")
EDITCAP_PATH = os.environ.get("EDITCAP", "editcap")
MERGECAP_PATH = os.environ.get("MERGECAP", "mergecap")
# How each of smtp_timeout's expert messages begins; TCP's own are left out.
OURS = re.compile(r"^(Client |Server |Idle interval starts here|\d{3}[ :])")
# SMTP_TIMEOUT_VALGRIND=1: every tshark run under valgrind (memcheck), with
# the suppressions for Wireshark's own reports in cmake/valgrind.supp.
VALGRIND = (["valgrind", "--quiet", "--error-exitcode=1", "--leak-check=no",
             "--suppressions=" + os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                              "cmake", "valgrind.supp")]
            if os.environ.get("SMTP_TIMEOUT_VALGRIND") else [])
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


BOOLEANS = {"True": "1", "False": "0"}


def ms(value):
    """A relative-time field as tshark prints it ("59.953550000"), to the ms."""
    return "%.3f" % float(value) if value else ""


def read_terminal(master):
    """All that was written to a pseudo-terminal until its other end closed;
    the master is closed after."""
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal's other end is closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return shown


def sanitizer_env():
    """Sanitizer runtimes to preload into tshark (sanitize preset), else {}."""
    env = {}
    for item in filter(None, os.environ.get("SMTP_TIMEOUT_TOOL_ENV", "").split("|")):
        key, _, value = item.partition("=")
        env[key] = value
    return env


class TsharkCase(unittest.TestCase):
    """A test class gets one sandbox: HOME, plugin folder, copies of captures."""

    maxDiff = None
    EDITCAP = EDITCAP_PATH
    MERGECAP = MERGECAP_PATH

    @classmethod
    def setUpClass(cls):
        cls.home = tempfile.mkdtemp(prefix="smtp-timeout-test-")
        os.chmod(cls.home, 0o755)
        cls.plugin_dir = os.path.join(cls.home, "plugins")
        cls.extcap_dir = os.path.join(cls.home, "extcap")
        os.makedirs(cls.extcap_dir)
        epan = os.path.join(cls.plugin_dir, WIRESHARK_XY, "epan")
        os.makedirs(epan)
        shutil.copy(PLUGIN, epan)
        for root, dirs, files in os.walk(cls.home):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.home, ignore_errors=True)

    @classmethod
    def capture(cls, name):
        """A copy of testdata/NAME that the unprivileged user can read."""
        # (derived captures go to cls.scratch())
        path = os.path.join(cls.home, name.replace("/", "-"))
        if not os.path.exists(path):
            shutil.copy(os.path.join(TESTDATA, name), path)
            os.chmod(path, 0o644)
        return path

    @classmethod
    def scratch(cls, name):
        """A path in the sandbox for a capture a test makes (readable by all)."""
        return os.path.join(cls.home, name)

    @classmethod
    def run_tool(cls, argv, unprivileged=True, check=True):
        # No extcap helpers: the tests need none, and they would inherit a
        # preloaded sanitizer runtime (and hang tshark -G plugins with it).
        env = {"HOME": cls.home, "WIRESHARK_PLUGIN_DIR": cls.plugin_dir, "TZ": "UTC",
               "WIRESHARK_EXTCAP_DIR": cls.extcap_dir,
               "LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if unprivileged:
            env.update(sanitizer_env())
            if VALGRIND and argv[0] == TSHARK:
                argv = VALGRIND + argv
        if unprivileged and os.geteuid() == 0:
            argv = NOBODY + argv
        proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              encoding="utf-8", errors="replace", check=False)

        if proc.returncode != 0 and check:
            raise AssertionError("%s failed (%d): %s" % (argv, proc.returncode, proc.stderr))
        return proc.stdout

    @classmethod
    def start_measured(cls, argv, output, plugin=True):
        """Start tshark as run_tool does, stdout to the file OUTPUT; with
        plugin=False from an empty plugin folder.  finish_measured() waits."""
        empty = os.path.join(cls.home, "no-plugins")
        os.makedirs(empty, exist_ok=True)
        os.chmod(empty, 0o755)
        env = {"HOME": cls.home, "WIRESHARK_PLUGIN_DIR": cls.plugin_dir if plugin else empty, "TZ": "UTC",
               "WIRESHARK_EXTCAP_DIR": cls.extcap_dir, "LC_ALL": "C.UTF-8",
               "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if os.geteuid() == 0:
            argv = NOBODY + argv
        out = open(output, "w")
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.DEVNULL)
        out.close()
        return proc, output

    @staticmethod
    def finish_measured(started):
        """(stdout, peak resident memory in KB) of a start_measured() run."""
        proc, output = started
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise AssertionError("%s failed (%d)" % (proc.args, proc.returncode))
        with open(output) as f:
            return f.read(), usage.ru_maxrss

    @classmethod
    def derive(cls, output, argv):
        """Make a capture with editcap or mergecap; the unprivileged tshark reads it."""
        path = cls.scratch(output)
        cls.run_tool([arg if arg != "{out}" else path for arg in argv], unprivileged=False)
        os.chmod(path, 0o644)
        return path

    def tshark(self, *args):
        out = self.run_tool([TSHARK] + list(args))
        return out

    def tshark_on_terminal(self, *args):
        """tshark's output to a terminal (a pty) that shows 24-bit colour,
        as a user sees it (--color paints with 24-bit escape codes only when
        COLORTERM says the terminal has them)."""
        argv = [TSHARK] + list(args)
        env = {"HOME": self.home, "WIRESHARK_PLUGIN_DIR": self.plugin_dir, "TZ": "UTC", "LC_ALL": "C.UTF-8",
               "COLORTERM": "truecolor",
               "WIRESHARK_EXTCAP_DIR": self.extcap_dir, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        env.update(sanitizer_env())
        if os.geteuid() == 0:
            argv = NOBODY + VALGRIND + argv
        master, slave = pty.openpty()
        proc = subprocess.Popen(argv, env=env, stdout=slave, stderr=subprocess.DEVNULL)
        os.close(slave)
        shown = read_terminal(master)
        self.assertEqual(proc.wait(), 0)
        return shown.decode("utf-8", "replace").replace("\r\n", "\n")

    def findings(self, capture, fields, *extra, two_pass=False, display="smtp_timeout"):
        """Rows of `-Y smtp_timeout -T fields` (or another display filter)
        for the given fields."""
        args = ["-r", capture, "-Y", display, "-T", "fields", "-E", "occurrence=a",
                "-E", "separator=|", "-E", "aggregator=;"]
        for field in fields:
            args += ["-e", field]
        if two_pass:
            args.insert(0, "-2")
        out = self.tshark(*(list(extra) + args))
        # tshark 4.2 and later print a boolean field as True/False, 4.0 as 1/0.
        return [[BOOLEANS.get(cell, cell) for cell in line.split("|")] for line in out.splitlines()]

    def messages(self, capture, *extra, two_pass=False):
        """{frame: [smtp_timeout's expert messages]}"""
        rows = self.findings(capture, ["frame.number", "_ws.expert.message"], *extra, two_pass=two_pass)
        ours = {int(frame): [m for m in messages.split(";") if OURS.match(m)] for frame, messages in rows}
        # A frame whose only note says what could not be read (Chat,
        # smtp_timeout.not_analysed) has no finding: test_engine.py asserts
        # those notes.
        return {frame: found for frame, found in ours.items() if found}

    def assert_plugin_loaded(self):
        """tshark -G plugins: name, the version set in CMake, type, our folder."""
        plugins = self.tshark("-G", "plugins")
        line = [l.split("\t") for l in plugins.splitlines() if l.startswith("smtp_timeout.so")]
        self.assertEqual(len(line), 1, plugins)
        self.assertEqual([f.strip() for f in line[0]],
                         ["smtp_timeout.so", os.environ["SMTP_TIMEOUT_VERSION"], "dissector",
                          os.path.join(self.plugin_dir, WIRESHARK_XY, "epan", "smtp_timeout.so")])


def main():
    unittest.main(verbosity=2)
