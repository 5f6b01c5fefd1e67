#!/bin/bash
set -e
cat > /app/reflow.py <<'PY'
"""python3 reflow.py WIDTH < input > output: re-wrap Markdown-like text."""
import re
import sys

BULLET = re.compile(r"(?:[-*]|\d+\.) ")


def is_blank(line):
    return line.strip(" \t") == ""


def split_words(lines):
    return [w for line in lines for w in re.split(r"[ \t]+", line) if w]


def fill(words, width, prefix):
    indent = " " * len(prefix)
    lines, cur = [], None
    for w in words:
        if cur is None:
            cur = prefix + w
        elif len(cur) + 1 + len(w) <= width:
            cur += " " + w
        else:
            lines.append(cur)
            cur = indent + w
    lines.append(cur if cur is not None else prefix.rstrip())
    return lines


def blocks_of(lines):
    i = 0
    while i < len(lines):
        if is_blank(lines[i]):
            i += 1
        elif lines[i].startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            yield "verbatim", lines[i:j + 1]
            i = j + 1
        else:
            j = i + 1
            while j < len(lines) and not is_blank(lines[j]) and not lines[j].startswith("```"):
                j += 1
            block, i = lines[i:j], j
            first = block[0]
            if first.startswith(("    ", "\t", "#")):
                yield "verbatim", block
            elif BULLET.match(first.lstrip(" ")):
                yield "list", block
            else:
                yield "para", block


def render(kind, block, width):
    if kind == "verbatim":
        return block
    if kind == "para":
        return fill(split_words(block), width, "")
    out, prefix, item = [], None, []
    for line in block:
        m = BULLET.match(line.lstrip(" "))
        if m:
            if prefix is not None:
                out += fill(split_words(item), width, prefix)
            prefix, item = m.group(0), [line.lstrip(" ")[m.end():]]
        else:
            item.append(line)
    out += fill(split_words(item), width, prefix)
    return out


def main(argv):
    try:
        width = int(argv[1])
        if width < 1:
            raise ValueError
    except (IndexError, ValueError):
        print("usage: reflow.py WIDTH < input > output", file=sys.stderr)
        return 2
    data = sys.stdin.buffer.read().decode("utf-8")
    lines = data.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rendered = ["\n".join(render(kind, block, width)) for kind, block in blocks_of(lines)]
    out = "\n\n".join(rendered)
    sys.stdout.buffer.write((out + "\n").encode("utf-8") if rendered else b"")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
PY
python3 /app/reflow.py 72 < /app/notes.md > /app/notes_72.md
