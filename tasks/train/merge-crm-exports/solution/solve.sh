#!/bin/bash
set -e
python3 - <<'PY'
import csv, datetime as dt, re

def records():
    with open("/app/exports/crm_a.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            yield (r["Email"], r["Full Name"], r["Phone"], r["Notes"],
                   dt.datetime.strptime(r["Last Modified"], "%Y-%m-%dT%H:%M:%S"), 1)
    with open("/app/exports/crm_b.csv", encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f, delimiter=";"):
            yield (r["email"], r["name"], r["phone"], r["notes"],
                   dt.datetime.strptime(r["updated"], "%d/%m/%Y %H:%M"), 0)

best = {}
for email, name, phone, notes, when, is_a in records():
    key = email.strip().lower()
    if not key:
        continue
    if key not in best or (when, is_a) > (best[key][3], best[key][4]):
        best[key] = (name.strip(), phone, notes, when, is_a)

with open("/app/contacts.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["email", "name", "phone", "notes", "updated_at"])
    for key in sorted(best):
        name, phone, notes, when, _ = best[key]
        phone = ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)
        w.writerow([key, name, phone, notes.replace("\r\n", "\n"), when.strftime("%Y-%m-%dT%H:%M:%S")])
PY
