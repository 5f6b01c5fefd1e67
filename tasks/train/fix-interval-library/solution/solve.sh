#!/bin/bash
cat > /app/intervals.py <<'PY'
"""Half-open integer intervals [start, end), given as (start, end) tuples."""


def merge(intervals):
    """Sorted list of disjoint intervals covering exactly the union of `intervals`.

    Overlapping or touching intervals ((1, 3) and (3, 5)) are merged; empty intervals (start == end)
    are dropped; an interval with start > end raises ValueError.
    """
    for start, end in intervals:
        if start > end:
            raise ValueError(f"interval ({start}, {end}) has start > end")
    out = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def total_length(intervals):
    """Number of integer points covered by the union of `intervals`."""
    return sum(end - start for start, end in merge(intervals))


def gaps(intervals, lo, hi):
    """Sorted sub-intervals of [lo, hi) not covered by `intervals`."""
    out = []
    cur = lo
    for start, end in merge(intervals):
        start, end = max(start, lo), min(end, hi)
        if start >= end:
            continue
        if start > cur:
            out.append((cur, start))
        cur = max(cur, end)
    if cur < hi:
        out.append((cur, hi))
    return out


def intersect(a, b):
    """Sorted disjoint intervals covered by both `a` and `b`."""
    out = []
    for s1, e1 in merge(a):
        for s2, e2 in merge(b):
            if s1 < e2 and s2 < e1:
                out.append((max(s1, s2), min(e1, e2)))
    return merge(out)
PY
