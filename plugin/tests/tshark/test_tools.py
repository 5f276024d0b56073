# SPDX-License-Identifier: GPL-2.0-or-later
"""The team's tools: smtp-timeout-annotate (a copy with packet comments that
any Wireshark shows) and smtp-timeout-scan (many captures at once)."""

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess

import pty
import shlex

from stharness import TSHARK, VALGRIND, TsharkCase, main, read_terminal, sanitizer_env

TOOLS = os.environ["SMTP_TIMEOUT_TOOLS"]
ARTICLE_COMMENTS = {
    93: "smtp_timeout: Idle interval starts here: the client stayed silent for 59.954 s, until frame 865",
    865: "smtp_timeout: Client silent for 59.954 s after DATA (0 bytes), since frame 93\n"
         "smtp_timeout: 421 4.4.2 after DATA (0 bytes): server gave up after 59.954 s of client silence\n"
         "smtp_timeout: The server gave up after 59.954 s, below RFC 5321's 5-minute minimum; cause client-idle: "
         "the client was silent with nothing else on the wire\n"
         "smtp_timeout: Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the "
         "application); as a mitigation, raise Postfix smtpd_timeout (59.954 s here) above the client's stall",
    1207: "smtp_timeout: Client sent 1024 bytes 30.527 s after the server closed (frame 866): it stalled "
          "90.481 s, 30.527 s past the server's 59.954 s timeout\n"
          "smtp_timeout: The server gave up after 59.954 s, below RFC 5321's 5-minute minimum; cause client-idle: "
          "the client was silent with nothing else on the wire\n"
          "smtp_timeout: Fix the sender first: find what kept it silent after DATA (a milter, a content filter, the "
          "application); as a mitigation, raise the server's timeout above the 90.481 s stall: postconf -e "
          "smtpd_timeout=300s && postfix reload",
    1208: "smtp_timeout: Server reset the connection 30.527 s after the close in frame 866 (421 reply in frame 865)",
}


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def sha256(path):
    return hashlib.sha256(read_bytes(path)).hexdigest()


def one_per_comment(values):
    """tshark 4.4 and later show a multi-line comment as three kinds of
    frame.comment items: its first line, each line, and the whole; 4.0 shows
    the whole only.  Keep the whole."""
    result = []
    for value in values:
        if "\n" in value:
            lines = value.split("\n")
            expected_before = [lines[0]] + lines
            if result[len(result) - len(expected_before):] == expected_before:
                result = result[:len(result) - len(expected_before)]
        result.append(value)
    return result


def editcap_replaces_comments():
    """editcap 4.4's -a replaces a frame's comments, with no option to keep
    them; 4.0 adds, 4.6 has --preserve-packet-comments."""
    usage = subprocess.run([TsharkCase.EDITCAP, "-h"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           encoding="utf-8", check=False).stdout
    version = usage.split()[2].split(".")
    return "--preserve-packet-comments" not in usage and (int(version[0]), int(version[1])) > (4, 0)


class ToolsCase(TsharkCase):
    """The tools run as the user runs them; no tests of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The tools run as the unprivileged user: copies it can execute, and a
        # folder it can write to.
        cls.bin = os.path.join(cls.home, "bin")
        os.makedirs(cls.bin)
        for name in ("smtp-timeout-annotate", "smtp-timeout-scan", "smtp_timeout_page.py"):
            shutil.copy(os.path.join(TOOLS, name), cls.bin)
            os.chmod(os.path.join(cls.bin, name), 0o755)
        # The native reader beside the scan, as installed.
        if os.environ.get("SMTP_TIMEOUT_READ"):
            shutil.copy(os.environ["SMTP_TIMEOUT_READ"], os.path.join(cls.bin, "smtp-timeout-read"))
            os.chmod(os.path.join(cls.bin, "smtp-timeout-read"), 0o755)
        cls.write_tshark_wrapper()
        os.chmod(cls.bin, 0o755)
        cls.out = os.path.join(cls.home, "out")
        os.makedirs(cls.out)
        os.chmod(cls.out, 0o777)
        cls.empty_plugins = os.path.join(cls.home, "no-plugins")
        os.makedirs(cls.empty_plugins)
        os.chmod(cls.empty_plugins, 0o755)

    @classmethod
    def write_tshark_wrapper(cls):
        """Under the sanitize or valgrind preset, the tshark the tools find
        first in PATH runs the real one the way the other tests do; editcap
        stays plain (it hangs with the sanitizer runtimes preloaded)."""
        env = sanitizer_env()
        if not env and not VALGRIND:
            return
        wrapper = os.path.join(cls.bin, "tshark")
        with open(wrapper, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\nexec env %s %s \"$@\"\n" % (
                " ".join(shlex.quote(k + "=" + v) for k, v in env.items()),
                " ".join(shlex.quote(a) for a in VALGRIND + [shutil.which(TSHARK)])))
        os.chmod(wrapper, 0o755)

    def tool_run(self, name, *args):
        """argv and environment to run one of the tools as the user would."""
        argv = [os.path.join(self.bin, name)] + list(args)
        env = {"HOME": self.home, "WIRESHARK_PLUGIN_DIR": self.plugin_dir, "TZ": "UTC", "LC_ALL": "C.UTF-8",
               "WIRESHARK_EXTCAP_DIR": self.extcap_dir,
               "PATH": self.bin + ":" + os.path.dirname(TSHARK) + ":/usr/bin:/bin"}
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        return argv, env

    def tool(self, name, *args, status=0):
        argv, env = self.tool_run(name, *args)
        proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, encoding="utf-8",
                              check=False)
        self.assertEqual(proc.returncode, status, proc.stderr)
        return proc.stdout, proc.stderr

    def without_plugin(self, *args):
        """tshark as a colleague without the plugin runs it."""
        argv = [TSHARK] + list(args)
        env = {"HOME": self.home, "WIRESHARK_PLUGIN_DIR": self.empty_plugins, "TZ": "UTC", "LC_ALL": "C.UTF-8",
               "WIRESHARK_EXTCAP_DIR": self.extcap_dir, "PATH": "/usr/bin:/bin"}
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv
        return subprocess.run(argv, env=env, stdout=subprocess.PIPE, encoding="utf-8", check=True).stdout

    def comments(self, cap):
        out = self.without_plugin("-r", cap, "-Y", "frame.comment", "-T", "fields", "-E", "occurrence=a",
                                  "-E", "aggregator=|", "-e", "frame.number", "-e", "frame.comment")
        found = {}
        for line in out.splitlines():
            frame, values = line.split("\t")
            found[int(frame)] = "|".join(one_per_comment(values.replace("\\n", "\n").split("|")))
        return found



class Tools(ToolsCase):
    def test_annotated_copy(self):
        original = self.capture("article.pcap")
        before = sha256(original)
        copy = os.path.join(self.out, "article-annotated.pcapng")
        out, _ = self.tool("smtp-timeout-annotate", original, copy)
        self.assertEqual(out, "%s: 4 frames annotated\n" % copy)
        self.assertEqual(self.comments(copy), ARTICLE_COMMENTS)
        chosen = self.without_plugin("-r", copy, "-Y", 'frame.comment contains "smtp_timeout"', "-T", "fields",
                                     "-e", "frame.number")
        self.assertEqual(chosen.split(), ["93", "865", "1207", "1208"])
        # The packets are the original's, byte for byte, and so are their times.
        dump = ["-T", "fields", "-e", "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"]
        self.assertEqual(self.without_plugin("-r", copy, "-x"), self.without_plugin("-r", original, "-x"))
        self.assertEqual(self.without_plugin("-r", copy, *dump), self.without_plugin("-r", original, *dump))
        self.assertEqual(sha256(original), before)

    def test_existing_comments_are_kept(self):
        noted = self.derive("noted.pcapng", [self.EDITCAP, "-F", "pcapng", "-a", "865:seen by the NOC",
                                             "-a", "10:unrelated note", self.capture("article.pcap"), "{out}"])
        copy = os.path.join(self.out, "noted-annotated.pcapng")
        self.tool("smtp-timeout-annotate", noted, copy)
        found = self.comments(copy)
        if editcap_replaces_comments():
            # Wireshark 4.4: one comment per frame, the old one's lines first.
            self.assertEqual(found[865], "seen by the NOC\n" + ARTICLE_COMMENTS[865])
        else:
            self.assertEqual(found[865].split("|"), ["seen by the NOC", ARTICLE_COMMENTS[865]])
        self.assertEqual(found[10], "unrelated note")
        self.assertEqual(found[1207], ARTICLE_COMMENTS[1207])

    def test_annotate_refuses_to_overwrite_its_input(self):
        _, err = self.tool("smtp-timeout-annotate", self.capture("article.pcap"), self.capture("article.pcap"),
                           status=1)
        self.assertIn("OUT must not be IN", err)

    def test_annotated_copy_keeps_tls_secrets(self):
        # A copy of a keyed capture, and of a bare one with --keylog: both
        # carry the secrets, so Wireshark without the plugin and without a
        # key file shows the 421 inside TLS beside the comments.
        decode = ["-d", "tcp.port==10025,smtp"]
        keyed = os.path.join(self.out, "tls-keyed-annotated.pcapng")
        out, _ = self.tool("smtp-timeout-annotate", self.capture("postfix/tls13-stall-after-354-keys.pcapng"),
                           keyed, *decode)
        self.assertEqual(out, "%s: 4 frames annotated\n" % keyed)
        given = os.path.join(self.out, "tls-given-annotated.pcapng")
        out, _ = self.tool("smtp-timeout-annotate", "--keylog", self.capture("postfix/tls13-stall-after-354.keys"),
                           self.capture("postfix/tls13-stall-after-354.pcap"), given, *decode)
        self.assertEqual(out, "%s: 4 frames annotated\n" % given)
        for copy in (keyed, given):
            shown = self.without_plugin("-r", copy, *decode, "-Y", "smtp.response.code == 421", "-T", "fields",
                                        "-E", "occurrence=f", "-e", "frame.number", "-e", "smtp.response",
                                        "-e", "frame.comment")
            self.assertEqual(shown.split("\t")[:2], ["24", "421 4.4.2 mx.smtp-timeout.test Error: timeout exceeded\\r\\n"])
            # The first line of the first comment (on 4.4 and 4.6 it can end
            # the output line, whose newline is no part of it).
            self.assertEqual(shown.rstrip("\n").split("\t")[2].split("\\n")[0],
                             "smtp_timeout: 421 4.4.2 after DATA (0 bytes): server gave up after 3.004 s of client "
                             "silence")
            self.assertEqual(sorted(self.comments(copy)), [22, 24, 30, 31])

    def test_scan_with_decode_as_and_a_key_log(self):
        folder = os.path.join(self.home, "tls-captures")
        os.makedirs(folder)
        for name in ("postfix/tls13-stall-after-354.pcap", "postfix/tls-clean.pcap"):
            shutil.copy(self.capture(name), folder)
        os.chmod(folder, 0o755)
        out, _ = self.tool("smtp-timeout-scan", folder)
        self.assertEqual(out.splitlines()[1:], [], "not SMTP without Decode As")
        out, err = self.tool("smtp-timeout-scan", "-d", "tcp.port==10025,smtp", folder)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([(r["ending"], r["after"], r["idle_s"], r["gave_up"]) for r in rows],
                         [("encrypted timeout", "", "3.004", "server")])
        self.assertEqual(err.splitlines()[-1], "2 captures, 0 unreadable; 11 sessions, 1 with findings "
                                               "(encrypted timeout 1)")
        out, _ = self.tool("smtp-timeout-scan", "-d", "tcp.port==10025,smtp", "--keylog",
                           self.capture("postfix/tls13-stall-after-354.keys"), folder)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([(r["ending"], r["after"], r["data_bytes"], r["finding_frames"]) for r in rows],
                         [("421 timeout", "DATA (0 bytes)", "0", "24 30 31")])

    def scan_folder(self):
        folder = os.path.join(self.home, "captures")
        if not os.path.exists(folder):
            os.makedirs(os.path.join(folder, "older"))
            shutil.copy(self.capture("article.pcap"), folder)
            shutil.copy(self.capture("clean.pcap"), folder)
            with open(self.capture("answer421.pcap"), "rb") as src, \
                    gzip.open(os.path.join(folder, "older", "answer421.pcap.gz"), "wb") as dst:
                dst.write(src.read())
            data = read_bytes(self.capture("quit-reset.pcap"))
            with open(os.path.join(folder, "broken.pcap"), "wb") as bad:
                bad.write(b"this is no capture at all" + data[24:100])
            with open(os.path.join(folder, "notes.txt"), "w") as other:
                other.write("not a capture\n")
            for root, dirs, files in os.walk(folder):
                os.chmod(root, 0o755)
                for f in files:
                    os.chmod(os.path.join(root, f), 0o644)
        return folder

    def test_scan_csv_json_and_exit_status(self):
        folder = self.scan_folder()
        out, err = self.tool("smtp-timeout-scan", "-j", "2", folder)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([(os.path.relpath(r["file"], folder), r["session"], r["ending"], r["cause"],
                           r["finding_frames"]) for r in rows], [
            ("article.pcap", "1", "421 timeout", "client-idle", "865 1207 1208"),
            ("older/answer421.pcap.gz", "1", "421 policy", "unknown", "12")])
        self.assertEqual(rows[0]["hint"], "Fix the sender first: find what kept it silent after DATA (a milter, a "
                                          "content filter, the application); as a mitigation, raise the server's "
                                          "timeout above the 90.481 s stall: postconf -e smtpd_timeout=300s && postfix reload")
        broken = os.path.join(folder, "broken.pcap")
        self.assertIn("%s: cannot be read: " % broken, err)
        self.assertEqual(err.splitlines()[-1], "4 captures, 1 unreadable (%s); 5 sessions, 2 with findings "
                                               "(421 policy 1, 421 timeout 1)" % broken)
        self.assertNotIn("captures\r", err + "\r", "no progress counter off a terminal")
        self.assertNotIn("] captures", err)
        as_json, _ = self.tool("smtp-timeout-scan", "--json", folder)
        self.assertEqual(json.loads(as_json), rows)
        self.tool("smtp-timeout-scan", "--strict", folder, status=2)
        self.tool("smtp-timeout-scan", "--fail-on-findings", folder, status=1)
        self.tool("smtp-timeout-scan", "--fail-on-findings", os.path.join(folder, "clean.pcap"), status=0)

    def test_scan_engines_agree(self):
        folder = self.scan_folder()
        native, native_err = self.tool("smtp-timeout-scan", "-j", "2", folder)
        tshark, tshark_err = self.tool("smtp-timeout-scan", "-j", "2", "--engine", "tshark", folder)
        self.assertEqual(native, tshark)
        self.assertEqual(native_err.splitlines()[-1], tshark_err.splitlines()[-1])
        self.assertNotIn("read by tshark", native_err)
        as_json = [self.tool("smtp-timeout-scan", "--json", "--engine", e, folder)[0] for e in ("native", "tshark")]
        self.assertEqual(as_json[0], as_json[1])
        self.assertEqual(self.tool("smtp-timeout-scan", "--strict", "--engine", "native", folder, status=2)[0],
                         self.tool("smtp-timeout-scan", "--strict", "--engine", "tshark", folder, status=2)[0])

    def test_scan_falls_back_to_tshark(self):
        folder = os.path.join(self.home, "fallback")
        os.makedirs(folder)
        shutil.copy(self.capture("postfix/tls13-stall-after-354-keys.pcapng"), folder)
        # A link type the native reader does not read (USER0), but tshark
        # does, frame by frame: it finds no SMTP there.
        self.derive("user0.pcap", [self.EDITCAP, "-T", "user0", self.capture("article.pcap"), "{out}"])
        shutil.copy(self.scratch("user0.pcap"), folder)
        for root, dirs, files in os.walk(folder):
            os.chmod(root, 0o755)
            for f in files:
                os.chmod(os.path.join(root, f), 0o644)
        out, err = self.tool("smtp-timeout-scan", "-d", "tcp.port==10025,smtp", folder)
        keyed = os.path.join(folder, "postfix-tls13-stall-after-354-keys.pcapng")
        self.assertIn("%s: read by tshark: it holds TLS secrets, which only tshark uses" % keyed, err)
        self.assertIn("%s: read by tshark: link type 147 " % os.path.join(folder, "user0.pcap"), err)
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([(r["ending"], r["after"]) for r in rows], [("421 timeout", "DATA (0 bytes)")])
        # A key log, or a preference only tshark knows: tshark reads all.
        _, err = self.tool("smtp-timeout-scan", "--keylog", self.capture("postfix/tls13-stall-after-354.keys"),
                           folder)
        self.assertIn("an option only tshark takes (a key log, a preference): every capture is read by tshark", err)

    def test_scan_shows_progress_on_a_terminal(self):
        folder = self.scan_folder()
        master, slave = pty.openpty()
        argv, env = self.tool_run("smtp-timeout-scan", "-j", "1", folder)
        proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=slave, check=False)
        os.close(slave)
        shown = read_terminal(master)
        self.assertEqual(proc.returncode, 0)
        shown = shown.decode("utf-8").replace("\r\n", "\n")
        self.assertEqual([c for c in shown.split("\r") if c.startswith("[")][:3],
                         ["[1/4] captures", "[2/4] captures", "[3/4] captures"])
        self.assertIn("\r[4/4] captures\n4 captures, 1 unreadable", shown)


if __name__ == "__main__":
    main()
