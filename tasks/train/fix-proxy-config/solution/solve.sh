#!/bin/bash
set -e
cat > /app/proxy/proxy.conf <<'CONF'
# Edge proxy for the shop. Listens on all interfaces, port 8080, with four worker processes.
[server]
listen = 0.0.0.0:8080
workers = 4

# Three backends: blue (10.0.0.11) takes half of the traffic,
# green (10.0.0.12) and red (10.0.0.13) a quarter each. All listen on port 9000.
[upstream blue]
url = http://10.0.0.11:9000
weight = 50

[upstream green]
url = http://10.0.0.12:9000
weight = 25

[upstream red]
url = http://10.0.0.13:9000
weight = 25

# Give up connecting after 5 seconds, reading after 2 minutes; close idle connections after 90 seconds.
[timeouts]
connect = 5s
read = 2m
idle = 90s

# TLS is on, with the certificate and key from certs/.
[tls]
enabled = true
cert = /app/proxy/certs/proxy.crt
key = /app/proxy/certs/proxy.key
CONF
python3 /app/proxy/proxy.py --check /app/proxy/proxy.conf
