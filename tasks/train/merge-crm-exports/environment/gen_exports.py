"""Deterministic generator of the two CRM exports, and of the expected merged contacts."""
import csv
import datetime as dt
import io
import random

FIRST = ["Alice", "Bob", "Zoë", "José", "Ångström", "Chen", "Dmitri", "Fatima", "Grace", "Hiro", "Ines", "Kwame"]
LAST = ["Smith", "Núñez", "O'Neil", "Müller", "Li", "Okoye", "Larsen", "Dubois", "Kowalczyk", "Tanaka"]
NOTES = ["", "prefers email", "call after 5pm, not before", 'said "maybe" to the offer',
         "line one\nline two", "VIP; handle with care", "moved to Berlin,\nnew address pending",
         "emoji ok 👍", "  leading spaces kept"]


def fmt_phone(rnd, digits):
    style = rnd.randint(0, 3)
    if style == 0:
        return f"+{digits[:2]} {digits[2:5]} {digits[5:8]}-{digits[8:]}"
    if style == 1:
        return f"+{digits[:2]} ({digits[2:5]}) {digits[5:]}"
    if style == 2:
        return f"+{digits[:2]}.{digits[2:5]}.{digits[5:8]}.{digits[8:]}"
    return f"+{digits}"


def generate():
    rnd = random.Random(31337)
    a_rows, b_rows = [], []
    expected = {}
    base = dt.datetime(2024, 1, 1)
    for i in range(160):
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        email = f"{name.split()[0].lower()}.{i}@example.{rnd.choice(['com', 'org', 'de'])}"
        email = email.replace("ö", "o").replace("é", "e").replace("å", "a").replace("ë", "e")
        versions = []
        for _ in range(rnd.choice([1, 1, 2, 2, 3])):
            when = base + dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 200))
            digits = "".join(str(rnd.randint(0, 9)) for _ in range(11))
            phone = "" if rnd.random() < 0.1 else fmt_phone(rnd, digits)
            rec = {
                "email": email,
                "name": name if rnd.random() < 0.8 else name.upper(),
                "phone": phone,
                "phone_norm": ("+" + digits) if phone else "",
                "notes": rnd.choice(NOTES),
                "when": when,
                "src": rnd.choice("ab"),
            }
            versions.append(rec)
        if len(versions) >= 2 and rnd.random() < 0.25:  # same instant in both files: crm_a wins
            versions[1]["when"] = versions[0]["when"]
            versions[0]["src"], versions[1]["src"] = "a", "b"
        for rec in versions:
            shown = rec["email"]
            r = rnd.random()
            if r < 0.3:
                shown = shown.upper()
            elif r < 0.5:
                shown = "  " + shown.capitalize() + " "
            row = dict(rec, shown_email=shown, shown_name=rnd.choice(["", " ", "  "]) + rec["name"] + rnd.choice(["", " "]))
            (a_rows if rec["src"] == "a" else b_rows).append(row)
        best = max(versions, key=lambda v: (v["when"], v["src"] == "a"))
        expected[email] = {"email": email, "name": best["name"], "phone": best["phone_norm"],
                           "notes": best["notes"], "updated_at": best["when"].strftime("%Y-%m-%dT%H:%M:%S")}
    # rows without an email are skipped
    a_rows.append({"shown_email": "", "shown_name": "Nobody", "phone": "", "notes": "no email", "when": base})
    b_rows.append({"shown_email": "   ", "shown_name": "Ghost", "phone": "+1 555", "notes": "", "when": base})
    rnd.shuffle(a_rows)
    rnd.shuffle(b_rows)

    fa = io.StringIO(newline="")
    w = csv.writer(fa, lineterminator="\r\n")
    w.writerow(["Email", "Full Name", "Phone", "Notes", "Last Modified"])
    for r in a_rows:
        w.writerow([r["shown_email"], r["shown_name"], r["phone"], r["notes"].replace("\n", "\r\n"),
                    r["when"].strftime("%Y-%m-%dT%H:%M:%S")])
    fb = io.StringIO(newline="")
    w = csv.writer(fb, delimiter=";", lineterminator="\n")
    w.writerow(["email", "name", "phone", "notes", "updated"])
    for r in b_rows:
        w.writerow([r["shown_email"], r["shown_name"], r["phone"], r["notes"], r["when"].strftime("%d/%m/%Y %H:%M")])
    return "\ufeff" + fa.getvalue(), fb.getvalue(), [expected[k] for k in sorted(expected)]


if __name__ == "__main__":
    import os
    os.makedirs("/app/exports", exist_ok=True)
    a, b, _ = generate()
    with open("/app/exports/crm_a.csv", "w", encoding="utf-8", newline="") as f:
        f.write(a)
    with open("/app/exports/crm_b.csv", "w", encoding="utf-8", newline="") as f:
        f.write(b)
