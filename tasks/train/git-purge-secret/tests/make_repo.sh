#!/bin/bash
# Builds the repository of the task in $1 (default /app/webapp) with fixed identities and dates.
set -e
R=${1:-/app/webapp}
SECRET=sk_live_4f9a8c2e7b1d6035aa91e4c7f0b2d8e6
mkdir -p "$R" && cd "$R"
git init -q -b main .
n=0
commit() {
  n=$((n + 1))
  local d; d=$(printf '2024-02-%02dT1%d:30:00+01:00' $((n + 1)) $((n % 10)))
  git add -A
  GIT_AUTHOR_DATE=$d GIT_COMMITTER_DATE=$d git -c user.name="${AUTHOR:-Dana Dev}" -c user.email="${EMAIL:-dana@example.com}" \
    commit -q -m "$1"
}
cat > app.py <<'PY'
from config import settings


def main():
    print("webapp using key ending", settings.API_KEY[-4:])


if __name__ == "__main__":
    main()
PY
printf '# webapp\n\nA small web application.\n' > README.md
commit "Initial app skeleton"
mkdir -p config
touch config/__init__.py
cat > config/settings.py <<PY
DEBUG = False
API_KEY = "$SECRET"
TIMEOUT = 30
PY
commit "Add settings module"
mkdir -p notes
cat > notes/deploy.txt <<TXT
Deploying
=========
1. Build the image.
2. Set the payment key ($SECRET) in the prod dashboard.
3. Restart the workers.
TXT
AUTHOR="Sam Ops" EMAIL="sam@example.com" commit "Add deploy notes"
cat > config/settings.py <<'PY'
import os

DEBUG = False
API_KEY = os.environ.get("API_KEY", "")
TIMEOUT = 30
PY
commit "Read API key from environment"
cat >> app.py <<'PY'


def healthcheck():
    return "ok"
PY
commit "Add healthcheck endpoint"
git checkout -q -b feature/report
cat > report.py <<'PY'
def report(rows):
    return "\n".join(f"{k}: {v}" for k, v in rows)
PY
AUTHOR="Riya Reports" EMAIL="riya@example.com" commit "Add report module"
cat >> report.py <<'PY'


def totals(rows):
    return sum(v for _, v in rows)
PY
AUTHOR="Riya Reports" EMAIL="riya@example.com" commit "Report: add totals"
git checkout -q main
echo '__version__ = "1.0"' > version.py
commit "Bump version to 1.0"
GIT_COMMITTER_DATE="2024-02-20T12:00:00+01:00" git -c user.name="Dana Dev" -c user.email=dana@example.com \
  tag -a v1.0 -m "Release 1.0"
git rm -q -r notes
commit "Remove deploy notes"
printf 'steps:\n  - run: python3 -m pytest\n' > .ci.yml
commit "Add CI config"
