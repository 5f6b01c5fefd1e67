#!/bin/bash
set -e
cd /app/deployer/config
sed -i 's/^name = shop$/name = "shop"/' deploy.toml
sed -i 's/^replicas = "2"$/replicas = 2/' services/api.toml
mv services/redis.tml services/redis.toml
cat > services/web.toml <<'TOML'
# the web front end is served on port 8080, behind the proxy;
# its image is pinned to the version approved in RELEASES.md
[service]
name = "web"
image = "registry.local/shop/web:2.0.1"
port = 8080
depends_on = ["api"]
replicas = 2
TOML
python3 /app/deployer/deploy.py validate
