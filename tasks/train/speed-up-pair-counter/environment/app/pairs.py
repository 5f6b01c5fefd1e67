"""Count pairs that add up to a target.

usage: python3 pairs.py NUMBERS_FILE TARGET

NUMBERS_FILE holds one integer per line (possibly negative; blank lines are ignored).
Prints one line: "pairs=P distinct=D" where
  P = number of index pairs i < j with a[i] + a[j] == TARGET
  D = number of different value pairs x <= y with x + y == TARGET such that x and y both
      occur at different positions of the list
"""
import sys


def main():
    with open(sys.argv[1]) as f:
        nums = [int(line) for line in f if line.strip()]
    target = int(sys.argv[2])
    pairs = 0
    distinct = []
    for i in range(len(nums)):
        for j in range(i + 1, len(nums)):
            if nums[i] + nums[j] == target:
                pairs += 1
                key = (min(nums[i], nums[j]), max(nums[i], nums[j]))
                if key not in distinct:
                    distinct.append(key)
    print(f"pairs={pairs} distinct={len(distinct)}")


if __name__ == "__main__":
    main()
