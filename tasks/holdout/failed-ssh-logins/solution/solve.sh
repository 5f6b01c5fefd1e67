#!/bin/bash
set -e
python3 - <<'PY'
import re
counts = {}
for line in open("/app/auth.log"):
    m = re.search(r"Failed password for (?:invalid user )?\S+ from (\d+\.\d+\.\d+\.\d+)", line)
    if not m:
        continue
    rep = re.search(r"message repeated (\d+) times", line)
    counts[m.group(1)] = counts.get(m.group(1), 0) + (int(rep.group(1)) if rep else 1)
bad = sorted((ip for ip, n in counts.items() if n >= 20), key=lambda ip: tuple(int(x) for x in ip.split(".")))
open("/app/blocklist.txt", "w").write("".join(ip + "\n" for ip in bad))
PY
