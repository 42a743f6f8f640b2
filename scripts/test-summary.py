#!/usr/bin/env python3
"""Prints `N passed, N failed, N skipped` from finished `meson test` runs.

Usage: test-summary.py BUILD_DIR [BUILD_DIR ...] (one per build).

Counts come from each test's own output in meson's testlog.json: GoogleTest's closing lines
(`[  PASSED  ] N`, `[  SKIPPED ] N`, `N FAILED TEST(S)`) and node's test runner summaries
(`pass N` / `fail N` / `skipped N`) and pytest's closing line (`N passed, N failed ...`), case
by case. Any other meson test counts as one. A test that
meson saw fail without a failed case in its output (a crash, a timeout) counts as one more failure,
so nothing that failed can be summed away. Exit status: 1 when anything failed or nothing ran.
(GoogleTest XML reports are not used: parallel runs of one executable can overwrite each other's.)
"""
import json
import os
import re
import sys


def ints(pattern, text):
    return sum(int(n) for n in re.findall(pattern, text, re.M))


def count(build):
    passed = failed = skipped = 0
    log = os.path.join(build, "meson-logs", "testlog.json")
    try:
        entries = [json.loads(line) for line in open(log) if line.strip()]
    except OSError:
        return 0, 0, 0
    for t in entries:
        result = t.get("result", "ERROR")
        meson_failed = result in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS")
        out = t.get("stdout") or ""
        if result == "SKIP":
            skipped += 1
            continue
        if "[==========]" in out:  # GoogleTest
            p = ints(r"^\[  PASSED  \] (\d+) tests?\.", out)
            f = ints(r"^ ?(\d+) FAILED TESTS?$", out)
            k = ints(r"^\[  SKIPPED \] (\d+) tests?,", out)
        elif re.search(r"^\S* ?pass \d+$", out, re.M):  # node --test, spec reporter
            p = ints(r"^\S* ?pass (\d+)$", out)
            f = ints(r"^\S* ?fail (\d+)$", out)
            k = ints(r"^\S* ?skipped (\d+)$", out)
        elif pytest := re.findall(r"^=+ (.*\d+ (?:passed|failed|errors?|skipped).*) in [\d.]+s", out, re.M):
            line = pytest[-1]  # pytest's closing line: "3 passed, 1 skipped in 0.58s"
            p = ints(r"(\d+) passed", line)
            f = ints(r"(\d+) failed", line) + ints(r"(\d+) errors?", line)
            k = ints(r"(\d+) skipped", line)
        else:
            p, f, k = (0, 1, 0) if meson_failed else (1, 0, 0)
        if meson_failed and f == 0:
            f = 1
            print(f"summary: {t.get('name')}: {result} outside its test cases", file=sys.stderr)
        passed, failed, skipped = passed + p, failed + f, skipped + k
    return passed, failed, skipped


builds = sys.argv[1:]
if not builds:
    sys.exit("usage: test-summary.py BUILD_DIR [BUILD_DIR ...]")
passed = failed = skipped = 0
for b in builds:
    p, f, k = count(b)
    passed, failed, skipped = passed + p, failed + f, skipped + k
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
