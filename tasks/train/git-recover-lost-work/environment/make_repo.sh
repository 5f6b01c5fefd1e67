#!/bin/bash
# Builds /app/project: two commits of main are lost by a hard reset, and the branch "docs" is deleted.
set -e
R=${1:-/app/project}
mkdir -p "$R" && cd "$R"
git init -q -b main .
n=0
commit() {
  n=$((n + 1))
  export GIT_AUTHOR_DATE="2024-04-0${n}T09:00:00+00:00" GIT_COMMITTER_DATE="2024-04-0${n}T09:00:00+00:00"
  git add -A
  git -c user.name=dev -c user.email=dev@example.com commit -q -m "$1"
}
cat > data.py <<'PY'
RECORDS = [
    {"id": 1, "name": "Widget", "note": "plain"},
    {"id": 2, "name": "Gadget, large", "note": 'says "hi"'},
    {"id": 3, "name": "Gizmo", "note": "multi\nline"},
]
PY
printf '# inventory\n' > README.md
commit "Initial inventory data"
cat > report.py <<'PY'
from data import RECORDS

for r in RECORDS:
    print(r["id"], r["name"])
PY
commit "Add plain report"
git checkout -q -b docs
printf '# inventory\n\nSee docs/usage.md\n' > README.md
mkdir -p docs && printf 'Run `python3 report.py`.\n' > docs/usage.md
commit "Write usage docs"
git checkout -q main
cat > export.py <<'PY'
"""Print RECORDS as CSV."""
from data import RECORDS

print("id,name,note")
for r in RECORDS:
    print(f'{r["id"]},{r["name"]},{r["note"]}')
PY
commit "Add CSV export"
cat > export.py <<'PY'
"""Print RECORDS as CSV."""
import csv
import sys

from data import RECORDS

w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id", "name", "note"])
for r in RECORDS:
    w.writerow([r["id"], r["name"], r["note"]])
PY
commit "Fix CSV export quoting"
git reset -q --hard HEAD~2
git branch -q -D docs
printf '# inventory\n\nTracks the items we sell.\n' > README.md
commit "Describe the project in README"
