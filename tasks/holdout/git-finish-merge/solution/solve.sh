#!/bin/bash
set -e
cd /app/service
cat > settings.ini <<'INI'
[client]
base_url = https://api.example.com
timeout = 30
retries = 3
backoff = exponential
user_agent = service/1.0

[logging]
level = info
INI
git add settings.ini
git -c user.name=oracle -c user.email=oracle@example.com commit -q --no-edit
