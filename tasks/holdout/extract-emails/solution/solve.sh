#!/bin/bash
set -e
python3 - <<'PY'
import glob, re
cand = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9.-]+)")
label = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
domain_ok = re.compile(rf"(?:{label}\.)+[A-Za-z]{{2,}}")
found = set()
for path in glob.glob("/app/corpus/**/*", recursive=True):
    try:
        text = open(path, encoding="utf-8").read()
    except (IsADirectoryError, UnicodeDecodeError):
        continue
    for m in cand.finditer(text):
        local, domain = m.group(1), m.group(2).rstrip(".-")
        if local.startswith(".") or local.endswith(".") or ".." in local:
            continue
        if domain_ok.fullmatch(domain):
            found.add(f"{local}@{domain}".lower())
open("/app/emails.txt", "w").write("".join(e + "\n" for e in sorted(found)))
PY
