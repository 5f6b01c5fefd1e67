#!/bin/bash
set -e
python3 - <<'PY'
import csv
from decimal import Decimal
totals = {}
with open("/app/sales.csv", newline="") as f:
    for row in csv.DictReader(f):
        totals[row["region"]] = totals.get(row["region"], Decimal(0)) + int(row["units"]) * Decimal(row["unit_price"])
with open("/app/region_totals.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["region", "revenue"])
    for region, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        w.writerow([region, f"{total:.2f}"])
PY
