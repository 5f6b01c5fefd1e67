#!/bin/bash
set -e
cat > /app/service/config.json <<'JSON'
{
  "name": "inventory",
  "port": 8080,
  "workers": 4,
  "log_level": "info",
  "allowed_hosts": ["inventory.internal", "localhost", "127.0.0.1"],
  "debug": false
}
JSON
