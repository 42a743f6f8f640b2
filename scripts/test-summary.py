#!/usr/bin/env python3
"""Prints `N passed, N failed, N skipped` from finished `meson test` runs.

Usage: test-summary.py BUILD_DIR XML_DIR [BUILD_DIR XML_DIR ...] (one pair per build).

GoogleTest executables write XML reports (GTEST_OUTPUT=xml:DIR/); their cases are counted one by
one, and so are the cases of node's test runner (its `pass N` / `fail N` summaries). Any other
meson test counts as one. A GoogleTest run that meson saw fail without a failed
case (a crash, a timeout) counts as one more failure.
Exit status: 1 when anything failed or nothing ran."""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

def count(build, xml_dir):
    passed = failed = skipped = 0
    log = os.path.join(build, "meson-logs", "testlog.json")

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
        node_pass = [int(n) for n in re.findall(r"^\S* ?pass (\d+)$", out, re.M)]
        node_fail = [int(n) for n in re.findall(r"^\S* ?fail (\d+)$", out, re.M)]
        node_skip = [int(n) for n in re.findall(r"^\S* ?skipped (\d+)$", out, re.M)]
        if node_pass and result != "SKIP":
            # node's test runner (spec reporter): one summary block per `node --test` run.
            passed += sum(node_pass)
            failed += sum(node_fail)
            skipped += sum(node_skip)
            if meson_failed and sum(node_fail) == 0:
                failed += 1
                print(f"summary: {t.get('name')}: {result} outside its test cases", file=sys.stderr)
        elif "[==========]" in out and result != "SKIP":
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
    return passed, failed, skipped


args = sys.argv[1:]
if not args or len(args) % 2:
    sys.exit("usage: test-summary.py BUILD_DIR XML_DIR [BUILD_DIR XML_DIR ...]")
passed = failed = skipped = 0
for i in range(0, len(args), 2):
    p, f, k = count(args[i], args[i + 1])
    passed, failed, skipped = passed + p, failed + f, skipped + k
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or passed == 0 else 0)
