"""Reference extraction (verifier only)."""
import re

CANDIDATE = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+)")
DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")


def extract(text):
    found = set()
    for m in CANDIDATE.finditer(text):
        local, domain = m.group(1), m.group(2).rstrip(".-")
        if local.startswith(".") or local.endswith(".") or ".." in local:
            continue
        if not DOMAIN.fullmatch(domain):
            continue
        found.add(f"{local}@{domain}".lower())
    return found
