#!/bin/bash
cat > /app/pairs.py <<'PY'
"""Count pairs that add up to a target.

usage: python3 pairs.py NUMBERS_FILE TARGET

NUMBERS_FILE holds one integer per line (possibly negative; blank lines are ignored).
Prints one line: "pairs=P distinct=D" where
  P = number of index pairs i < j with a[i] + a[j] == TARGET
  D = number of different value pairs x <= y with x + y == TARGET such that x and y both
      occur at different positions of the list
"""
import sys
from collections import Counter


def main():
    with open(sys.argv[1]) as f:
        counts = Counter(int(line) for line in f if line.strip())
    target = int(sys.argv[2])
    pairs = distinct = 0
    for x, n in counts.items():
        y = target - x
        if x < y and y in counts:
            pairs += n * counts[y]
            distinct += 1
        elif x == y and n >= 2:
            pairs += n * (n - 1) // 2
            distinct += 1
    print(f"pairs={pairs} distinct={distinct}")


if __name__ == "__main__":
    main()
PY
