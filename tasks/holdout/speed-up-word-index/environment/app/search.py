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


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def main():
    docs_dir, queries_file = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(docs_dir) if os.path.isfile(os.path.join(docs_dir, n)))
    with open(queries_file, encoding="utf-8", errors="replace") as f:
        queries = [line.strip() for line in f if line.strip()]
    for q in queries:
        terms = words(q)
        hits = []
        for name in names:
            with open(os.path.join(docs_dir, name), encoding="utf-8", errors="replace") as f:
                doc_words = words(f.read())
            if terms and all(t in doc_words for t in terms):
                hits.append(name)
        print(f"{q}: {' '.join(hits) if hits else '-'}")


if __name__ == "__main__":
    main()
