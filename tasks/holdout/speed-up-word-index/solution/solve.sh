#!/bin/bash
set -e
cat > /app/search.py <<'PY'
"""Find the documents that contain every word of a query.

usage: python3 search.py DOCS_DIR QUERIES_FILE

Documents are the regular files directly inside DOCS_DIR. Text is lower-cased and split into words, a word
being a maximal run of the characters a-z and 0-9 (everything else separates words). For every non-blank
line of QUERIES_FILE, prints the line (stripped of surrounding whitespace), a colon, and the names of the
documents that contain every word of the query, in sorted order, separated by single spaces:
    red fox: doc1.txt doc7.txt
If no document matches, or the query has no words, prints the line, a colon, a space and a dash:
    purple unicorn: -
"""
import os
import re
import sys

WORD = re.compile(r"[a-z0-9]+")


def words(text):
    return WORD.findall(text.lower())


def main():
    docs_dir, queries_file = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(docs_dir) if os.path.isfile(os.path.join(docs_dir, n)))
    index = {}  # word -> set of document numbers
    for i, name in enumerate(names):
        with open(os.path.join(docs_dir, name), encoding="utf-8", errors="replace") as f:
            for w in set(words(f.read())):
                index.setdefault(w, set()).add(i)
    out = []
    with open(queries_file, encoding="utf-8", errors="replace") as f:
        for line in f:
            q = line.strip()
            if not q:
                continue
            terms = set(words(q))
            hits = set()
            if terms:
                sets = sorted((index.get(t, set()) for t in terms), key=len)
                hits = set.intersection(*sets) if sets[0] else set()
            out.append(f"{q}: {' '.join(names[i] for i in sorted(hits)) if hits else '-'}")
    sys.stdout.write("".join(line + "\n" for line in out))


if __name__ == "__main__":
    main()
PY
