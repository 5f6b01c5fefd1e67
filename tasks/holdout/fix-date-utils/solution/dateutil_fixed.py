"""Calendar helpers for the billing system (proleptic Gregorian calendar, no time zones)."""
import datetime as dt
import re

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def is_leap(year):
    """Gregorian leap year: divisible by 4, except centuries not divisible by 400."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    if month == 2:
        return 29 if is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def add_months(date, n):
    """Same day n months later (n may be negative); days past the end of the target month are clamped."""
    index = date.year * 12 + (date.month - 1) + n
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(date.day, days_in_month(year, month)))


def business_days_between(start, end, holidays=()):
    """Number of weekdays d with start <= d < end that are not holidays; negative if end < start."""
    if end < start:
        return -business_days_between(end, start, holidays)
    holidays = set(holidays)
    count = 0
    d = start
    while d < end:
        if d.weekday() < 5 and d not in holidays:
            count += 1
        d += dt.timedelta(days=1)
    return count


def iso_week(date):
    """(ISO year, ISO week number) of date."""
    y, w, _ = date.isocalendar()
    return (y, w)


def parse_date(text):
    """Parse 'YYYY-MM-DD', 'DD/MM/YYYY', 'D Mon YYYY' or 'Month D, YYYY'; invalid dates raise ValueError."""
    s = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", s)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+) (\d{4})", s)
    if m and m.group(2)[:3].lower() in MONTHS:
        return dt.date(int(m.group(3)), MONTHS.index(m.group(2)[:3].lower()) + 1, int(m.group(1)))
    m = re.fullmatch(r"([A-Za-z]+) (\d{1,2}), (\d{4})", s)
    if m and m.group(1)[:3].lower() in MONTHS:
        return dt.date(int(m.group(3)), MONTHS.index(m.group(1)[:3].lower()) + 1, int(m.group(2)))
    raise ValueError(f"unrecognised date {text!r}")


def format_duration(seconds):
    """'1d 2h 3m 4s' with zero units left out; '0s' for zero; a leading '-' for negative durations."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        value, seconds = divmod(seconds, size)
        if value:
            parts.append(f"{value}{unit}")
    return sign + (" ".join(parts) if parts else "0s")
