"""Deterministic generator of /app/auth.log and of the true failure counts per IP."""
import random


def generate():
    rnd = random.Random(22)
    ips = ([f"10.0.0.{i}" for i in (2, 9, 10, 11, 100)] + [f"9.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.7" for _ in range(3)]
           + [f"203.0.113.{rnd.randint(1, 254)}" for _ in range(8)] + ["198.51.100.25", "192.0.2.200"])
    users = ["root", "admin", "deploy", "ubuntu", "git", "test", "oracle"]
    counts = {}
    lines = []
    sec = 0
    for _ in range(900):
        sec += rnd.randint(1, 40)
        h, m, s = 6 + sec // 3600 % 18, sec // 60 % 60, sec % 60
        stamp = f"Mar {1 + sec // 86400:2d} {h:02d}:{m:02d}:{s:02d}"
        ip = rnd.choice(ips)
        pid = rnd.randint(1000, 9999)
        port = rnd.randint(30000, 65000)
        r = rnd.random()
        if r < 0.45:
            user = rnd.choice(users)
            if rnd.random() < 0.4:
                msg = f"Failed password for invalid user {user} from {ip} port {port} ssh2"
            else:
                msg = f"Failed password for {user} from {ip} port {port} ssh2"
            n = 1
            if rnd.random() < 0.1:
                n = rnd.randint(2, 6)
                msg = f"message repeated {n} times: [ {msg}]"
            counts[ip] = counts.get(ip, 0) + n
        elif r < 0.6:
            msg = f"Accepted publickey for deploy from {ip} port {port} ssh2: ED25519 SHA256:abc{pid}"
        elif r < 0.75:
            msg = f"Connection closed by authenticating user root {ip} port {port} [preauth]"
        elif r < 0.85:
            msg = f"Invalid user {rnd.choice(users)} from {ip} port {port}"
        else:
            msg = f"pam_unix(sshd:session): session opened for user deploy(uid=1001) by (uid=0)"
        lines.append(f"{stamp} bastion sshd[{pid}]: {msg}")
    lines.insert(100, "Mar  1 07:00:00 bastion CRON[4242]: (root) CMD (run-parts /etc/cron.hourly)")
    return "\n".join(lines) + "\n", counts


if __name__ == "__main__":
    open("/app/auth.log", "w").write(generate()[0])
