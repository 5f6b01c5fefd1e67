#!/usr/bin/env python3
import sys

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def run_checks():
    failed = 0
    for fn in CHECKS:
        try:
            fn()
            print(f"PASS {fn.__name__}")
        except Exception as e:  # a crashing check is a failing check
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}")
    print(f"{len(CHECKS) - failed}/{len(CHECKS)} checks passed")
    sys.exit(1 if failed else 0)

import csv
import sqlite3
from decimal import Decimal

DB = "/app/shop.db"


def source():
    with open("/app/customers.csv", newline="", encoding="utf-8") as f:
        customers = {int(r["id"]): (r["name"], r["country"]) for r in csv.DictReader(f)}
    with open("/app/orders.csv", newline="", encoding="utf-8") as f:
        orders = {int(r["id"]): (int(r["customer_id"]), int(Decimal(r["amount"]) * 100), r["placed_on"])
                  for r in csv.DictReader(f)}
    return customers, orders


def columns(db, table):
    return [(r[1], r[2].upper(), r[5]) for r in db.execute(f"PRAGMA table_info({table})")]


@check
def schema_matches():
    db = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    assert columns(db, "customers") == [("id", "INTEGER", 1), ("name", "TEXT", 0), ("country", "TEXT", 0)], \
        f"customers columns: {columns(db, 'customers')}"
    assert columns(db, "orders") == [("id", "INTEGER", 1), ("customer_id", "INTEGER", 0),
                                     ("amount_cents", "INTEGER", 0), ("placed_on", "TEXT", 0)], \
        f"orders columns: {columns(db, 'orders')}"


@check
def customers_loaded_exactly():
    customers, _ = source()
    db = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    got = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, name, country FROM customers")}
    assert len(got) == len(customers), f"{len(got)} customers in the database, {len(customers)} in the CSV"
    for cid, row in customers.items():
        assert got.get(cid) == row, f"customer {cid}: {got.get(cid)!r} != {row!r}"


@check
def orders_loaded_in_exact_cents():
    _, orders = source()
    db = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    got = {r[0]: (r[1], r[2], r[3]) for r in db.execute("SELECT id, customer_id, amount_cents, placed_on FROM orders")}
    assert len(got) == len(orders), f"{len(got)} orders in the database, {len(orders)} in the CSV"
    for oid, row in orders.items():
        g = got.get(oid)
        assert g is not None, f"order {oid} missing"
        assert type(g[1]) is int, f"order {oid}: amount_cents stored as {type(g[1]).__name__} ({g[1]!r})"
        assert g == row, f"order {oid}: {g!r} != {row!r}"


@check
def top_customers_report():
    customers, orders = source()
    agg = {}
    for cid, cents, day in orders.values():
        if "2023-01-01" <= day <= "2023-12-31":
            n, s = agg.get(cid, (0, 0))
            agg[cid] = (n + 1, s + cents)
    ranked = sorted(agg.items(), key=lambda kv: (-kv[1][1], customers[kv[0]][0]))[:5]
    exp = [[customers[c][0], customers[c][1], str(n), f"{s // 100}.{s % 100:02d}"] for c, (n, s) in ranked]
    with open("/app/top_customers.csv", newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    assert rows[0] == ["name", "country", "orders", "total"], f"header is {rows[0]}"
    assert len(rows) == 6, f"expected 5 data rows, found {len(rows) - 1}"
    for i, (g, e) in enumerate(zip(rows[1:], exp), 1):
        assert g == e, f"row {i}: {g} != expected {e}"


run_checks()
