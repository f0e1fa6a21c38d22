#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""No unsafe or non-reentrant C library function in the library or the CLI.

The banned list is docs/conventions.md's: unbounded string writes (sprintf,
vsprintf, strcpy, strcat, gets), parsers without error reporting (atoi, atol,
atof, sscanf), strtok (hidden state), and time functions that use the
process's TZ or a static buffer (gmtime, localtime, mktime, ctime, asctime).
Comments and string literals are ignored; a call is NAME followed by "(".
Usage: banned.py SOURCE_DIR
"""
import pathlib
import re
import sys

BANNED = ["sprintf", "vsprintf", "strcpy", "strcat", "gets", "atoi", "atol", "atof", "sscanf",
          "strtok", "gmtime", "localtime", "mktime", "ctime", "asctime"]
CALL = re.compile(r"(?<![\w.>])(" + "|".join(BANNED) + r")\s*\(")
# comments, then string and character literals (with escapes)
NOISE = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)


def blank(match):
    """Keeps the newlines of what is removed, so line numbers stay right."""
    return re.sub(r"[^\n]", " ", match.group(0))


def main():
    root = pathlib.Path(sys.argv[1])
    files = sorted(p for d in ("src", "include") for p in (root / d).rglob("*.[ch]"))
    found = 0
    for path in files:
        code = NOISE.sub(blank, path.read_text())
        for m in CALL.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            print(f"FAIL: {path.relative_to(root)}:{line}: {m.group(1)}() is banned")
            found += 1
    if len(files) < 20:
        print(f"FAIL: only {len(files)} source files found under {root}")
        return 1
    if found == 0:
        print(f"ok   {len(files)} files: no call of {', '.join(BANNED)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
