#!/usr/bin/env python3
"""junit_check FILE [TESTS FAILURES ERRORS]: parse a JUnit XML report the
way CI systems read it (testsuites > testsuite > testcase, with
failure/error/skipped children), check that every count attribute agrees
with the test cases it sums up, and optionally compare the totals.
Prints "tests=N failures=N errors=N skipped=N" and exits 1 on any
inconsistency."""
import sys
import xml.etree.ElementTree as ET


def fail(msg):
    print("junit_check: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) not in (2, 5):
        print("usage: junit_check FILE [TESTS FAILURES ERRORS]", file=sys.stderr)
        return 2
    root = ET.parse(sys.argv[1]).getroot()
    if root.tag != "testsuites":
        fail(f"root element is <{root.tag}>, not <testsuites>")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites = root.findall("testsuite")
    if not suites:
        fail("no <testsuite>")
    for s in suites:
        for a in ("name", "tests", "failures", "errors", "time", "timestamp"):
            if a not in s.attrib:
                fail(f"testsuite lacks {a}=")
        cases = s.findall("testcase")
        n = {"tests": len(cases), "failures": 0, "errors": 0, "skipped": 0}
        for c in cases:
            if not c.get("name") or not c.get("classname"):
                fail("testcase without name= or classname=")
            float(c.get("time", "0"))
            kids = [k.tag for k in c if k.tag in ("failure", "error", "skipped")]
            if len(kids) > 1:
                fail(f"testcase {c.get('name')!r} has {kids}")
            for k in kids:
                n[{"failure": "failures", "error": "errors", "skipped": "skipped"}[k]] += 1
            for k in c:
                if k.tag in ("failure", "error") and not k.get("message"):
                    fail(f"testcase {c.get('name')!r}: <{k.tag}> without message=")
        for k, v in n.items():
            if int(s.get(k, "0")) != v:
                fail(f"testsuite {s.get('name')!r}: {k}={s.get(k)} but its cases say {v}")
            totals[k] += v
        float(s.get("time"))
    for k, v in totals.items():
        if int(root.get(k, "0")) != v:
            fail(f"testsuites {k}={root.get(k)} but the suites say {v}")
    print("tests={tests} failures={failures} errors={errors} skipped={skipped}".format(**totals))
    if len(sys.argv) == 5:
        want = tuple(int(x) for x in sys.argv[2:5])
        got = (totals["tests"], totals["failures"], totals["errors"])
        if want != got:
            fail(f"expected tests/failures/errors {want}, got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
