"""Deterministic generator of the three service logs and of the true incident report."""
import datetime as dt
import json
import random

UTC = dt.timezone.utc
START = dt.datetime(2024, 12, 31, 22, 0, 0, tzinfo=UTC)
OFFSETS = [dt.timedelta(hours=2), dt.timedelta(hours=-5), dt.timedelta(0), dt.timedelta(hours=5, minutes=30)]
PAY_ERRORS = ["card_declined", "acquirer_timeout", "fraud_check_unavailable", "ledger_write_failed"]
ORDER_ERRORS = ["stock_db_timeout", "reservation_conflict", "price_service_down"]


def epoch_ms(t):
    return (t - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(milliseconds=1)


def iso_local(t, off):
    local = t.astimezone(dt.timezone(off))
    s = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    return s + ("Z" if off == dt.timedelta(0) else local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:])


def iso_utc(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def syslog_time(t):
    return f"{t.strftime('%b')} {t.day:2d} {t.strftime('%H:%M:%S')}"


def generate():
    rnd = random.Random(8080)
    gateway, orders, payments = [], [], []
    failures = []
    for i in range(420):
        req = f"r-{i:05d}"
        t_resp = START + dt.timedelta(milliseconds=rnd.randint(0, 4 * 3600 * 1000))
        failed = rnd.random() < 0.12
        status = rnd.choice([502, 504]) if failed else rnd.choice([200, 200, 200, 201, 404])
        path = rnd.choice(["/api/checkout", "/api/cart", "/api/orders"])
        gateway.append((t_resp, f"{iso_local(t_resp, rnd.choice(OFFSETS))} gw-{rnd.randint(1, 3)} req={req} "
                                f"POST {path} status={status} dur_ms={rnd.randint(5, 30000)}"))
        # informational lines for most requests
        t_o = (t_resp - dt.timedelta(seconds=rnd.randint(2, 20))).replace(microsecond=0)
        orders.append((t_o, f"{syslog_time(t_o)} orders-{rnd.randint(1, 2)} orders[{rnd.randint(300, 399)}]: "
                            f"level=INFO req={req} msg=\"order received\""))
        t_p = t_resp - dt.timedelta(milliseconds=rnd.randint(100, 1500))
        payments.append((t_p, json.dumps({"ts": epoch_ms(t_p), "req": req, "level": "INFO",
                                          "event": "payment_started"})))
        errs = []  # (time, service, code)
        kind = rnd.random()
        if failed or rnd.random() < 0.1:  # successful requests sometimes saw a retried error too
            if kind < 0.45 or not failed:
                for _ in range(rnd.randint(1, 3)):
                    te = t_resp - dt.timedelta(milliseconds=rnd.randint(1, 9000))
                    errs.append((te, "payments", rnd.choice(PAY_ERRORS)))
            elif kind < 0.7:
                te = (t_resp - dt.timedelta(seconds=rnd.randint(3, 30))).replace(microsecond=0)
                errs.append((te, "orders", rnd.choice(ORDER_ERRORS)))
            elif kind < 0.9:
                te = (t_resp - dt.timedelta(seconds=rnd.randint(12, 40))).replace(microsecond=0)
                errs.append((te, "orders", rnd.choice(ORDER_ERRORS)))
                tp = te + dt.timedelta(milliseconds=rnd.choice([-1, 1]) * rnd.randint(1500, 8000))
                errs.append((tp, "payments", rnd.choice(PAY_ERRORS)))
            # else: a failure with no error logged anywhere
        for te, svc, code in errs:
            if svc == "payments":
                payments.append((te, json.dumps({"ts": epoch_ms(te), "req": req, "level": "ERROR",
                                                 "event": code})))
            else:
                orders.append((te, f"{syslog_time(te)} orders-{rnd.randint(1, 2)} orders[{rnd.randint(300, 399)}]: "
                                   f"level=ERROR req={req} code={code} msg=\"request failed\""))
        if rnd.random() < 0.2:
            tw = t_resp - dt.timedelta(milliseconds=rnd.randint(1, 5000))
            payments.append((tw, json.dumps({"ts": epoch_ms(tw), "req": req, "level": "WARN",
                                             "event": "slow_acquirer"})))
        if failed:
            first = min(errs, default=None, key=lambda e: e[0])
            if first is not None:
                assert sum(1 for e in errs if e[0] == first[0]) == 1, "ambiguous root cause"
            failures.append({
                "request_id": req, "gateway_time_utc": iso_utc(t_resp), "status": status,
                "root_cause": None if first is None else {"service": first[1], "code": first[2],
                                                          "time_utc": iso_utc(first[0])},
            })
    gateway.sort(key=lambda x: x[0])
    orders.sort(key=lambda x: x[0])
    # payment workers flush in batches: lines are only roughly in time order
    payments.sort(key=lambda x: x[0] + dt.timedelta(milliseconds=rnd.randint(0, 4000)))
    failures.sort(key=lambda f: (f["gateway_time_utc"], f["request_id"]))
    counts = {}
    for f in failures:
        if f["root_cause"]:
            counts[f["root_cause"]["code"]] = counts.get(f["root_cause"]["code"], 0) + 1
    report = {"first_failure_utc": failures[0]["gateway_time_utc"], "failed_requests": failures,
              "root_cause_counts": counts}
    text = lambda rows: "\n".join(r[1] for r in rows) + "\n"
    return text(gateway), text(orders), text(payments), report


if __name__ == "__main__":
    import os
    os.makedirs("/app/logs", exist_ok=True)
    g, o, p, _ = generate()
    open("/app/logs/gateway.log", "w").write(g)
    open("/app/logs/orders.log", "w").write(o)
    open("/app/logs/payments.jsonl", "w").write(p)
