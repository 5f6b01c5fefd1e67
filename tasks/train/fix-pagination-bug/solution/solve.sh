#!/bin/bash
set -e
cd /app
python3 - <<'PY'
p = "/app/paginate.py"
s = open(p).read()
s = s.replace("    return n_items // per_page", "    return max(1, -(-n_items // per_page))")
s = s.replace("    start = page * per_page", "    start = (page - 1) * per_page")
s = s.replace("    if page < 0 or page > total:", "    if page < 1 or page > total:")
open(p, "w").write(s)
PY
