#!/bin/bash
set -e
cat > /app/outline2json.py <<'PY'
import json
import re
import sys


def parse(text):
    roots, stack = [], []  # stack[i] = the last item seen at level i
    for no, line in enumerate(text.splitlines(), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        m = re.match(r"([ \t]*)(.*)$", line)
        indent, rest = m.group(1).replace("\t", "  "), m.group(2)
        if len(indent) % 2:
            raise ValueError(f"line {no}: indentation is not a multiple of two spaces")
        level = len(indent) // 2
        if level > len(stack):
            raise ValueError(f"line {no}: indented more than one level deeper than the previous item")
        if not re.match(r"[-*] ", rest):
            raise ValueError(f"line {no}: no bullet ('- ' or '* ')")
        item = {"title": rest[2:].strip(), "children": []}
        (stack[level - 1]["children"] if level else roots).append(item)
        del stack[level:]
        stack.append(item)
    return roots


def main():
    with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
        text = f.read()
    try:
        tree = parse(text)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    print(json.dumps(tree, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
PY
python3 /app/outline2json.py /app/outline.txt > /app/outline.json
