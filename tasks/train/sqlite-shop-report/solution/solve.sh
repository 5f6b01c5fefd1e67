#!/bin/bash
set -e
rm -f /app/shop.db
python3 - <<'PY'
import csv, sqlite3
from decimal import Decimal
db = sqlite3.connect("/app/shop.db")
db.executescript("""
CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                    amount_cents INTEGER NOT NULL, placed_on TEXT NOT NULL);
""")
with open("/app/customers.csv", newline="", encoding="utf-8") as f:
    db.executemany("INSERT INTO customers VALUES (?, ?, ?)",
                   [(int(r["id"]), r["name"], r["country"]) for r in csv.DictReader(f)])
with open("/app/orders.csv", newline="", encoding="utf-8") as f:
    db.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                   [(int(r["id"]), int(r["customer_id"]), int(Decimal(r["amount"]) * 100), r["placed_on"])
                    for r in csv.DictReader(f)])
db.commit()
rows = db.execute("""
SELECT c.name, c.country, COUNT(*), SUM(o.amount_cents) AS total
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.placed_on BETWEEN '2023-01-01' AND '2023-12-31'
GROUP BY c.id ORDER BY total DESC, c.name LIMIT 5""").fetchall()
with open("/app/top_customers.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "country", "orders", "total"])
    for name, country, n, cents in rows:
        w.writerow([name, country, n, f"{cents // 100}.{cents % 100:02d}"])
PY
