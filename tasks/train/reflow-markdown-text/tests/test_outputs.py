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

import random
import subprocess

sys.path.insert(0, "/tests")
from reference import reflow


def run(text, width):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return subprocess.run(["python3", "/app/reflow.py", str(width)], input=data, capture_output=True, timeout=10)


def expect(text, width, label, want=None):
    want = reflow(text, width) if want is None else want
    r = run(text, width)
    assert r.returncode == 0, f"{label}: exit status {r.returncode}: {r.stderr.decode(errors='replace')[-300:]}"
    got = r.stdout.decode("utf-8", errors="replace")
    if got != want:
        g, w = got.split("\n"), want.split("\n")
        k = next((i for i, (a, b) in enumerate(zip(g, w)) if a != b), min(len(g), len(w)))
        raise AssertionError(f"{label} (width {width}): line {k + 1} is {g[k] if k < len(g) else '<missing>'!r}, "
                             f"expected {w[k] if k < len(w) else '<missing>'!r}")


@check
def notes_72_written():
    want = reflow(open("/app/notes.md", encoding="utf-8", newline="").read(), 72)
    got = open("/app/notes_72.md", encoding="utf-8", newline="").read()
    assert got == want, "/app/notes_72.md is not notes.md reflowed at width 72"


@check
def notes_at_several_widths():
    text = open("/app/notes.md", encoding="utf-8", newline="").read()
    for width in (20, 40, 80, 200):
        expect(text, width, "notes.md")


@check
def paragraph_filling_exact():
    expect("aaa bbb ccc ddd\n", 7, "greedy fill", "aaa bbb\nccc ddd\n")
    expect("aaa bbb ccc ddd\n", 6, "one word per line", "aaa\nbbb\nccc\nddd\n")
    expect("a\tb   c\n  d\n", 80, "tabs and runs of spaces", "a b c d\n")
    expect("tiny supercalifragilistic end\n", 10, "long word", "tiny\nsupercalifragilistic\nend\n")


@check
def unicode_counts_characters():
    expect("ééééé ééééé ééééé\n", 11, "accented", "ééééé ééééé\nééééé\n")
    expect("日本語の 文章を 折り返す\n", 9, "CJK", "日本語の 文章を\n折り返す\n")
    expect("10\u00a0km and 5\u00a0km\n", 9, "no-break space", "10\u00a0km and\n5\u00a0km\n")


@check
def blocks_and_blank_lines():
    expect("\n\n\npara one\n\n\n\npara two\n\n\n", 80, "blank lines", "para one\n\npara two\n")
    expect("", 80, "empty input", "")
    expect("\n  \n\t\n", 80, "blank input", "")
    expect("no newline at end", 80, "unterminated", "no newline at end\n")
    expect("a\r\nb\r\n\r\nc\r\n", 80, "CRLF", "a b\n\nc\n")


@check
def verbatim_blocks():
    expect("# A heading that is much longer than the width\n\ntext\n", 10, "heading",
           "# A heading that is much longer than the width\n\ntext\n")
    expect("    code  line   kept \n\tmore code\n", 5, "indented code", "    code  line   kept \n\tmore code\n")
    expect("intro text\n```\nx  =  1\n\n   y\n```\nafter the fence\n", 8, "fence without blank line",
           "intro\ntext\n\n```\nx  =  1\n\n   y\n```\n\nafter\nthe\nfence\n")
    expect("```\nnever closed\n\n  fence\n", 3, "unclosed fence", "```\nnever closed\n\n  fence\n")


@check
def lists():
    expect("- one two three four\n- five\n  six seven\n", 12, "bullets",
           "- one two\n  three four\n- five six\n  seven\n")
    expect("10. alpha beta gamma\n2. delta\n", 12, "numbers", "10. alpha\n    beta\n    gamma\n2. delta\n")
    expect("  * star item here\n", 80, "indented bullet", "* star item here\n")
    expect("text - not a list\n- still text\n", 80, "dash inside a paragraph", "text - not a list - still text\n")
    expect("-notabullet here\n", 80, "dash without space", "-notabullet here\n")


@check
def usage_errors():
    for args in ([], ["abc"], ["0"], ["-5"]):
        r = subprocess.run(["python3", "/app/reflow.py", *args], input=b"x\n", capture_output=True, timeout=10)
        assert r.returncode == 2, f"reflow.py {' '.join(args)}: exit status {r.returncode}, expected 2"


@check
def random_documents():
    rnd = random.Random(404)
    vocab = ["the", "a", "of", "word", "longer", "équipe", "naïve", "Straße", "日本", "x", "-", "1.", "#tag",
             "antidisestablishmentarianism", "10\u00a0km", "e-mail", "*", "```inline"]
    starters = ["the", "word", "équipe", "Straße", "日本", "x"]

    def words(k):
        return [rnd.choice(starters)] + [rnd.choice(vocab) for _ in range(k - 1)]

    def lines_of(ws):
        out, cur = [], []
        for w in ws:
            cur.append(w)
            if rnd.random() < 0.2:
                out.append(rnd.choice(["", " ", "  "]) + " ".join(cur) + rnd.choice(["", " ", "\t"]))
                cur = []
        if cur:
            out.append(" ".join(cur))
        out[0] = out[0].lstrip()
        return out

    for case in range(40):
        blocks = []
        for _ in range(rnd.randint(1, 5)):
            kind = rnd.choice(["para", "para", "list", "code", "fence", "heading"])
            if kind == "para":
                blocks.append(lines_of(words(rnd.randint(1, 40))))
            elif kind == "list":
                b = []
                for _ in range(rnd.randint(1, 4)):
                    ls = lines_of(words(rnd.randint(1, 15)))
                    b += [" " * rnd.randint(0, 3) + rnd.choice(["- ", "* ", "1. ", "12. "]) + ls[0]] + ls[1:]
                blocks.append(b)
            elif kind == "code":
                blocks.append(["    " + " ".join(words(5)) + "  ", "\t" + " ".join(words(3))])
            elif kind == "fence":
                blocks.append(["```py", " ".join(words(12)), "", "  indented " * 3, "```"])
            else:
                blocks.append(["## " + " ".join(words(8))])
        sep = [rnd.choice(["\n\n", "\n\n\n", "\n \n"]) for _ in blocks]
        text = "".join("\n".join(b) + s for b, s in zip(blocks, sep))
        if rnd.random() < 0.3:
            text = text.replace("\n", "\r\n")
        expect(text, rnd.choice([8, 15, 30, 50, 79]), f"random document #{case}")


run_checks()
