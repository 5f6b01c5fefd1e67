"""Deterministic generator of /app/access.log (combined log format). Shared with the verifier."""
import random


def make_log():
    rnd = random.Random(2024)
    ips = [f"10.0.{rnd.randint(0, 3)}.{rnd.randint(1, 254)}" for _ in range(40)] + ["203.0.113.77"]
    paths = ["/", "/index.html", "/api/items", "/api/items/42", "/login", "/static/app.js", "/favicon.ico", "/admin"]
    agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.4.0", "Mozilla/5.0 (Macintosh)", "python-requests/2.31"]
    lines = []
    for i in range(1800):
        ip = rnd.choice(ips)
        status = rnd.choices([200, 301, 304, 404, 500, 502, 503], [70, 5, 8, 9, 3, 2, 3])[0]
        path = rnd.choice(paths)
        if ip == "203.0.113.77" or (status == 404 and rnd.random() < 0.1):
            ip = "203.0.113.77"
            status = 404
            path = rnd.choice(["/wp-login.php", "/.env", "/phpmyadmin/", "/admin.php"])
        size = "-" if status in (304, 500, 502) else str(rnd.randint(120, 50000))
        minute = i * 2
        ts = f"12/Mar/2024:{8 + minute // 60 % 14:02d}:{minute % 60:02d}:{rnd.randint(0, 59):02d} +0000"
        method = rnd.choice(["GET", "GET", "GET", "POST"])
        lines.append(f'{ip} - - [{ts}] "{method} {path} HTTP/1.1" {status} {size} "-" "{rnd.choice(agents)}"')
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import sys
    open(sys.argv[1], "w").write(make_log())
