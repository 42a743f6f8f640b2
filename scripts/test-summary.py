#!/usr/bin/env python3
"""Prints `N passed, N failed, N skipped` from a finished `meson test` run.

GoogleTest executables write one XML file each (GTEST_OUTPUT=xml:DIR/); their cases are counted
one by one. Any other meson test counts as one. A test that meson saw fail but whose XML shows no
failure (a crash after the last case, a timeout) counts as one more failure.
Exit status: 1 when anything failed or nothing ran."""
import json
import os
import sys
import xml.etree.ElementTree as ET

build, xml_dir = sys.argv[1], sys.argv[2]
log = os.path.join(build, "meson-logs", "testlog.json")
passed = failed = skipped = 0
try:
    entries = [json.loads(line) for line in open(log) if line.strip()]
except OSError:
    entries = []
for t in entries:
    result = t.get("result", "ERROR")
    meson_failed = result in ("FAIL", "TIMEOUT", "ERROR", "UNEXPECTEDPASS")
    cmd = t.get("cmd") or [""]
    xml = os.path.join(xml_dir, os.path.basename(cmd[0]) + ".xml")
    counted = False
    if os.path.exists(xml) and result != "SKIP":
        try:
            root = ET.parse(xml).getroot()
            for case in root.iter("testcase"):
                if case.find("failure") is not None or case.find("error") is not None:
                    failed += 1
                elif case.get("result") == "skipped" or case.find("skipped") is not None:
                    skipped += 1
                else:
                    passed += 1
            counted = True
            if meson_failed and not any(c.find("failure") is not None for c in root.iter("testcase")):
                failed += 1
                print(f"summary: {t.get('name')} {result} outside its test cases", file=sys.stderr)
        except ET.ParseError:
            counted = False
    if not counted:
        if result == "SKIP":
            skipped += 1
        elif meson_failed:
            failed += 1
        else:
            passed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
