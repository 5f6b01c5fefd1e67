#!/bin/bash
set -e
python3 - <<'PY'
import datetime as dt, json, re
UTC = dt.timezone.utc

def fmt(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"

failed = []
for line in open("/app/logs/gateway.log"):
    if not line.strip():
        continue
    ts, _node, req, _method, _path, status = line.split()[:6]
    t = dt.datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(UTC)
    code = int(status.split("=")[1])
    if code in (502, 504):
        failed.append((t, req.split("=")[1], code))

errors = {}  # req -> list of (time, service, code)
months = {m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
for line in open("/app/logs/orders.log"):
    m = re.match(r"(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) .*?level=ERROR req=(\S+) code=(\S+)", line)
    if not m:
        continue
    mon = months[m.group(1)]
    year = 2024 if mon == 12 else 2025
    t = dt.datetime(year, mon, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), tzinfo=UTC)
    errors.setdefault(m.group(6), []).append((t, "orders", m.group(7)))
for line in open("/app/logs/payments.jsonl"):
    if not line.strip():
        continue
    e = json.loads(line)
    if e["level"] == "ERROR":
        t = dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=e["ts"])
        errors.setdefault(e["req"], []).append((t, "payments", e["event"]))

failed.sort(key=lambda f: (f[0], f[1]))
out, counts = [], {}
for t, req, status in failed:
    cause = None
    if req in errors:
        te, svc, code = min(errors[req])
        cause = {"service": svc, "code": code, "time_utc": fmt(te)}
        counts[code] = counts.get(code, 0) + 1
    out.append({"request_id": req, "gateway_time_utc": fmt(t), "status": status, "root_cause": cause})
json.dump({"first_failure_utc": out[0]["gateway_time_utc"], "failed_requests": out, "root_cause_counts": counts},
          open("/app/incident.json", "w"), indent=2)
PY
