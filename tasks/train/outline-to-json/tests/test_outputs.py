#!/usr/bin/env python3
import sys

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def run_checks():
    failed = 0
    for fn in CHECKS:
        try:
            fn()
            print(f"PASS {fn.__name__}")
        except Exception as e:  # a crashing check is a failing check
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}")
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} checks passed")
    sys.exit(1 if failed else 0)

import json
import os
import re
import subprocess
import tempfile

WORK = tempfile.mkdtemp()


def node(title, *children):
    return {"title": title, "children": list(children)}


OUTLINE_TXT = [
    node("Groceries", node("Fruit", node("Apples"), node("Pears")), node("Bread")),
    node("Work", node("Write report"), node("Email Zoë")),
    node("Garden"),
]


def convert(content: bytes, name):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(content)
    return subprocess.run(["python3", "/app/outline2json.py", path], capture_output=True, timeout=10)


def expect(content: bytes, tree, label):
    r = convert(content, label.replace(" ", "_") + ".txt")
    assert r.returncode == 0, f"{label}: exit status {r.returncode}, stderr {r.stderr.decode(errors='replace')!r}"
    got = json.loads(r.stdout.decode("utf-8"))
    assert got == tree, f"{label}: got {json.dumps(got, ensure_ascii=False)}"


def expect_error(content: bytes, line_no, label):
    r = convert(content, label.replace(" ", "_") + ".txt")
    assert r.returncode == 1, f"{label}: exit status {r.returncode}, expected 1"
    assert r.stdout.strip() == b"", f"{label}: printed {r.stdout!r} on stdout"
    err = r.stderr.decode(errors="replace")
    assert re.search(rf"\bline {line_no}\b", err), f"{label}: stderr {err!r} does not mention line {line_no}"


@check
def outline_json_written():
    with open("/app/outline.json", encoding="utf-8") as f:
        assert json.load(f) == OUTLINE_TXT, "/app/outline.json does not hold the outline of /app/outline.txt"


@check
def converter_on_provided_file():
    with open("/app/outline.txt", "rb") as f:
        expect(f.read(), OUTLINE_TXT, "outline.txt")


@check
def simple_nesting_and_dedent():
    text = "- a\n  - b\n    - c\n      - d\n- e\n  * f\n"
    expect(text.encode(), [node("a", node("b", node("c", node("d")))), node("e", node("f"))], "nesting")
    text = "- a\n  - b\n    - c\n  - d\n"
    expect(text.encode(), [node("a", node("b", node("c")), node("d"))], "partial dedent")


@check
def empty_and_blank_only():
    expect(b"", [], "empty file")
    expect(b"\n   \n\t\n", [], "blank lines only")
    expect(b"\xef\xbb\xbf", [], "BOM only")


@check
def whitespace_crlf_bom_unicode():
    text = "\ufeff-   spaced title   \r\n\t- tabbed child\r\n\t\t*  grandchild — ünïcode ✓\r\n- 日本語\r\n"
    expect(text.encode("utf-8"),
           [node("spaced title", node("tabbed child", node("grandchild — ünïcode ✓"))), node("日本語")], "crlf-bom")


@check
def titles_keep_inner_text():
    expect(b"- a - b * c\n- -dash\n", [node("a - b * c"), node("-dash")], "inner bullets")


@check
def errors_report_line_numbers():
    expect_error(b"- a\n    - too deep\n", 2, "jump two levels")
    expect_error(b"  - starts indented\n", 1, "first item indented")
    expect_error(b"- a\n\n   - odd indent\n", 3, "odd indentation")
    expect_error(b"- a\n  no bullet\n", 2, "missing bullet")
    expect_error(b"- a\n  -no space\n", 2, "bullet without space")


run_checks()
