"""Free-slot computation; see README.md for the rules."""


def parse(t):
    h, m = t.split(":")
    return int(h) * 60 + int(m)


def fmt(minutes):
    return f"{minutes // 60}:{minutes % 60:02d}"


def free_slots(day_start, day_end, busy, min_minutes):
    intervals = []
    for _person, ranges in busy.items():
        for r in ranges:
            s, e = r.split("-")
            intervals.append((s, e))
    intervals.sort()
    merged = []
    for s, e in intervals:
        if merged and parse(s) < parse(merged[-1][1]):
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    slots = []
    cur = parse(day_start)
    for s, e in merged:
        if parse(s) - cur > min_minutes:
            slots.append((cur, parse(s)))
        cur = max(cur, parse(e))
    if parse(day_end) - cur > min_minutes:
        slots.append((cur, parse(day_end)))
    return [f"{fmt(a)}-{fmt(b)}" for a, b in slots]
