#!/usr/bin/env python3
"""Prints `N passed, N failed, N skipped` from a finished `meson test` run.

GoogleTest executables write XML reports (GTEST_OUTPUT=xml:DIR/); their cases are counted one by
one. Any other meson test counts as one. A GoogleTest run that meson saw fail without a failed
case (a crash, a timeout) counts as one more failure.
Exit status: 1 when anything failed or nothing ran."""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

build, xml_dir = sys.argv[1], sys.argv[2]
log = os.path.join(build, "meson-logs", "testlog.json")
passed = failed = skipped = 0

# GoogleTest names a second report of the same executable NAME_1.xml, NAME_2.xml, ...
xml_cases = {}  # executable basename -> (passed, failed, skipped)
if os.path.isdir(xml_dir):
    for f in sorted(os.listdir(xml_dir)):
        m = re.match(r"(.+?)(_\d+)?\.xml$", f)
        if not m:
            continue
        p = fl = sk = 0
        try:
            root = ET.parse(os.path.join(xml_dir, f)).getroot()
        except ET.ParseError:
            continue  # a crash mid-write; meson's own result counts below
        for case in root.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                fl += 1
            elif case.get("result") == "skipped" or case.find("skipped") is not None:
                sk += 1
            else:
                p += 1
        a = xml_cases.get(m.group(1), (0, 0, 0))
        xml_cases[m.group(1)] = (a[0] + p, a[1] + fl, a[2] + sk)

try:
    entries = [json.loads(line) for line in open(log) if line.strip()]
except OSError:
    entries = []
for p, fl, sk in xml_cases.values():
    passed, failed, skipped = passed + p, failed + fl, skipped + sk
for t in entries:
    result = t.get("result", "ERROR")
    meson_failed = result in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS")
    out = t.get("stdout") or ""
    if "[==========]" in out and result != "SKIP":
        # A GoogleTest run: its cases are in the XML counts above.
        if meson_failed and "[  FAILED  ]" not in out:
            failed += 1
            print(f"summary: {t.get('name')}: {result} outside its test cases", file=sys.stderr)
    elif result == "SKIP":
        skipped += 1
    elif meson_failed:
        failed += 1
    else:
        passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
