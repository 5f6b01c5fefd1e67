#!/bin/bash
# Builds /app/service: a merge of feature/retries into main stopped on a conflict.
set -e
R=${1:-/app/service}
mkdir -p "$R" && cd "$R"
git init -q -b main .
n=0
commit() {
  n=$((n + 1))
  export GIT_AUTHOR_DATE="2024-05-1${n}T08:00:00+00:00" GIT_COMMITTER_DATE="2024-05-1${n}T08:00:00+00:00"
  git add -A
  git -c user.name=dev -c user.email=dev@example.com commit -q -m "$1"
}
cat > settings.ini <<'INI'
[client]
base_url = https://api.example.com
timeout = 5
user_agent = service/1.0
INI
cat > app.py <<'PY'
import configparser

cfg = configparser.ConfigParser()
cfg.read("settings.ini")
c = cfg["client"]
print(f"timeout={c.getint('timeout')}")
PY
commit "Client settings"
git checkout -q -b feature/retries
python3 - <<'PY'
s = open("settings.ini").read().replace("timeout = 5\n", "timeout = 10\nretries = 3\nbackoff = exponential\n")
open("settings.ini", "w").write(s)
s = open("app.py").read() + 'print(f"retries={c.getint(\'retries\')} backoff={c[\'backoff\']}")\n'
open("app.py", "w").write(s)
PY
commit "Retry failed requests"
git checkout -q main
python3 - <<'PY'
s = open("settings.ini").read().replace("timeout = 5\n", "timeout = 30\n") + "\n[logging]\nlevel = info\n"
open("settings.ini", "w").write(s)
PY
commit "Raise timeout for slow upstream; add logging section"
git -c user.name=dev -c user.email=dev@example.com merge -q feature/retries >/dev/null 2>&1 || true
test -f .git/MERGE_HEAD
