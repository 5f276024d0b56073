#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The shape the project keeps (plugin/doc/development.md), checked:

- no function of the plugin's C sources (plugin/tests aside) is longer than
  60 lines, from the first line of its signature to its closing brace;
- no C source or header, tests included, is longer than 500 lines;
- the top level holds only what the layout names.

    check_shape.py SOURCE_DIR

Prints each breach, one a line, and exits 1 if there is any."""

import os
import re
import subprocess
import sys

MAX_FUNCTION_LINES = 60
MAX_FILE_LINES = 500
TOP_LEVEL = {"plugin", "cmake", "testdata", "CMakeLists.txt", "README.md", "LICENSE", ".ci",
             "CMakePresets.json", ".gitignore"}


def blank_comments_and_literals(src):
    """The source with comments, string and character literals blanked out
    (newlines kept, so that line numbers stay), and preprocessor lines
    (with their continuations) emptied: what is left are the braces that
    open and close functions."""
    src = re.sub(r"\\\n", " \n", src)  # keep the line count of continued lines
    out, i, n = [], 0, len(src)
    while i < n:
        if src.startswith("/*", i):
            end = src.find("*/", i + 2)
            end = n if end < 0 else end + 2
        elif src.startswith("//", i):
            end = src.find("\n", i)
            end = n if end < 0 else end
        elif src[i] in "\"'":
            end = i + 1
            while end < n and src[end] != src[i] and src[end] != "\n":
                end += 2 if src[end] == "\\" else 1
            end += 1
        else:
            out.append(src[i])
            i += 1
            continue
        out.append(re.sub(r"[^\n]", " ", src[i:end]))
        i = end
    lines = "".join(out).split("\n")
    return "\n".join("" if line.lstrip().startswith("#") else line for line in lines)


def preprocessor_continuations(src):
    """Lines that continue a preprocessor directive: blanked like it."""
    lines, inside, result = src.split("\n"), False, set()
    for number, line in enumerate(lines):
        if inside:
            result.add(number)
        inside = (inside or line.lstrip().startswith("#")) and line.endswith("\\")
    return result


def functions(path):
    """(name, first line, length in lines) of each function defined in PATH:
    a brace at file scope whose opening follows a closing parenthesis."""
    raw = open(path, encoding="utf-8").read()
    lines = blank_comments_and_literals(raw).split("\n")
    for number in preprocessor_continuations(raw):
        lines[number] = ""
    text = "\n".join(lines)
    found, depth, opened = [], 0, None
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                before = text[:i].rstrip()
                opened = None
                if before.endswith(")"):
                    start = max(before.rfind(";"), before.rfind("}")) + 1
                    signature = text[start:i]
                    skipped = len(signature) - len(signature.lstrip())
                    names = re.findall(r"(\w+)\s*\(", signature)
                    opened = (names[0] if names else "?", text.count("\n", 0, start + skipped) + 1)
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and opened:
                last = text.count("\n", 0, i) + 1
                found.append((opened[0], opened[1], last - opened[1] + 1))
                opened = None
    return found


def c_files(root):
    for folder, dirs, files in os.walk(os.path.join(root, "plugin")):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                yield os.path.join(folder, name)


def top_level(root):
    """What the top level holds: in a git checkout, what is committed there;
    elsewhere (a copy of the sources), what is there but build folders."""
    try:
        listed = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True, check=True)
        if listed.stdout:
            return {path.split("/")[0] for path in listed.stdout.splitlines()}
    except (OSError, subprocess.CalledProcessError):
        pass
    return {name for name in os.listdir(root) if name != "build" and not name.startswith("build-")}


def breaches(root):
    for path in c_files(root):
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            count = sum(1 for _ in f)
        if count > MAX_FILE_LINES:
            yield "%s: %d lines (at most %d)" % (rel, count, MAX_FILE_LINES)
        if rel.startswith(os.path.join("plugin", "tests") + os.sep):
            continue
        for name, line, length in functions(path):
            if length > MAX_FUNCTION_LINES:
                yield "%s:%d: %s() is %d lines (at most %d)" % (rel, line, name, length, MAX_FUNCTION_LINES)
    for name in sorted(top_level(root) - TOP_LEVEL - {".git"}):
        yield "%s: at the top level, which holds only %s" % (name, ", ".join(sorted(TOP_LEVEL)))


def main():
    root = sys.argv[1]
    found = list(breaches(root))
    for line in found:
        print(line)
    counted = sum(1 for _ in c_files(root))
    tests = os.path.join(root, "plugin", "tests") + os.sep
    longest = max((length, name) for path in c_files(root) if not path.startswith(tests)
                  for name, _, length in functions(path))
    print("%d C files; the longest function outside the tests: %s(), %d lines; %d breaches"
          % (counted, longest[1], longest[0], len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
