#!/bin/bash
set -e
cat > /app/.env <<'ENV'
# shop settings
DATABASE_URL=postgres://shop:s3cr3t@db.internal:5432/shop
DEBUG=false
ALLOWED_ORIGINS=https://shop.example.com,https://admin.example.com
SECRET_KEY=9f2c1e7a4b8d6035e1f0a9c7b3d2e8f4
GREETING="Welcome to the \"Corner\" shop!"

# the port moved to 8080 in March
PORT=8080
ENV
python3 /app/settings.py check
