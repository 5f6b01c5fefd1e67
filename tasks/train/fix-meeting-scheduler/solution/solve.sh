#!/bin/bash
set -e
cat > /app/scheduler/slots.py <<'PY'
"""Free-slot computation; see README.md for the rules."""
import re

DAY = 24 * 60


class BadRequest(ValueError):
    pass


def parse(t, allow_midnight_end=False):
    if not isinstance(t, str):
        raise BadRequest(f"time {t!r} is not a string")
    if t == "24:00" and allow_midnight_end:
        return DAY
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", t)
    if not m:
        raise BadRequest(f"bad time {t!r}")
    return int(m.group(1)) * 60 + int(m.group(2))


def parse_range(r):
    if not isinstance(r, str) or r.count("-") != 1:
        raise BadRequest(f"bad range {r!r}")
    a, b = r.split("-")
    return parse(a), parse(b, allow_midnight_end=True)


def fmt_start(m):
    m %= DAY
    return f"{m // 60:02d}:{m % 60:02d}"


def fmt_end(m):
    if m % DAY == 0:
        return "24:00"
    return fmt_start(m)


def free_slots(day_start, day_end, busy, min_minutes):
    if isinstance(min_minutes, bool) or not isinstance(min_minutes, int) or min_minutes < 0:
        raise BadRequest("min_minutes must be a non-negative integer")
    if not isinstance(busy, dict) or not all(isinstance(v, list) for v in busy.values()):
        raise BadRequest("busy must map names to lists of ranges")
    s, e = parse(day_start), parse(day_end, allow_midnight_end=True)
    if s == e:
        raise BadRequest("empty working window")
    end = e if e > s else e + DAY  # unrolled window [s, end)
    blocks = []
    for ranges in busy.values():
        for r in ranges:
            a, b = parse_range(r)
            if a == b:
                continue
            pieces = [(a, b)] if a < b else [(a, DAY), (0, b)]
            for x, y in pieces:
                for shift in (0, DAY):  # the schedule repeats every day
                    lo, hi = max(x + shift, s), min(y + shift, end)
                    if lo < hi:
                        blocks.append((lo, hi))
    blocks.sort()
    slots, cur = [], s
    for lo, hi in blocks:
        if lo > cur and lo - cur >= min_minutes:
            slots.append((cur, lo))
        cur = max(cur, hi)
    if end > cur and end - cur >= min_minutes:
        slots.append((cur, end))
    return [f"{fmt_start(a)}-{fmt_end(b)}" for a, b in slots]
PY
cat > /app/scheduler/cli.py <<'PY'
"""python3 cli.py < request.json  -> {"slots": [...]} (see README.md)"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from slots import BadRequest, free_slots  # noqa: E402


def main():
    try:
        req = json.load(sys.stdin)
        if not isinstance(req, dict):
            raise BadRequest("request must be a JSON object")
        for key in ("day_start", "day_end", "min_minutes", "busy"):
            if key not in req:
                raise BadRequest(f"missing field {key}")
        slots = free_slots(req["day_start"], req["day_end"], req["busy"], req["min_minutes"])
    except (ValueError, BadRequest) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"slots": slots}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
PY
