"""Strict .env loader for the shop.

usage: python3 settings.py check   validate /app/.env (prints OK or the first problem)
       python3 settings.py show    print the typed settings as JSON

.env rules: one KEY=VALUE per line with no spaces around '='; KEY is upper case letters, digits and '_';
VALUE is either unquoted (no spaces, quotes or '#') or wrapped in double quotes (\\" for a quote inside).
Blank lines and lines starting with '#' are ignored. Each key appears once.
"""
import json
import re
import sys

ENV_FILE = "/app/.env"
REQUIRED = ["DATABASE_URL", "PORT", "DEBUG", "ALLOWED_ORIGINS", "SECRET_KEY", "GREETING"]


class EnvError(Exception):
    pass


def parse(text):
    values = {}
    for no, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.fullmatch(r'([A-Z][A-Z0-9_]*)=("(?:[^"\\]|\\.)*"|[^\s"#]*)', line)
        if not m:
            raise EnvError(f"line {no}: not KEY=VALUE: {line!r}")
        key, raw = m.groups()
        if key in values:
            raise EnvError(f"line {no}: {key} is set twice")
        values[key] = re.sub(r'\\(.)', r'\1', raw[1:-1]) if raw.startswith('"') else raw
    return values


def typed(values):
    missing = [k for k in REQUIRED if k not in values]
    if missing:
        raise EnvError(f"missing keys: {', '.join(missing)}")
    unknown = sorted(set(values) - set(REQUIRED))
    if unknown:
        raise EnvError(f"unknown keys: {', '.join(unknown)}")
    if not re.fullmatch(r"postgres://[^\s/]+/\w+", values["DATABASE_URL"]):
        raise EnvError("DATABASE_URL must look like postgres://user:password@host:port/dbname")
    if not re.fullmatch(r"\d+", values["PORT"]) or not 1 <= int(values["PORT"]) <= 65535:
        raise EnvError("PORT must be a number from 1 to 65535")
    if values["DEBUG"] not in ("true", "false"):
        raise EnvError("DEBUG must be true or false")
    origins = values["ALLOWED_ORIGINS"].split(",")
    if not all(re.fullmatch(r"https://[a-z0-9.-]+", o) for o in origins):
        raise EnvError("ALLOWED_ORIGINS must be a comma-separated list of https:// origins")
    if len(values["SECRET_KEY"]) < 32:
        raise EnvError("SECRET_KEY must be at least 32 characters")
    return {"DATABASE_URL": values["DATABASE_URL"], "PORT": int(values["PORT"]), "DEBUG": values["DEBUG"] == "true",
            "ALLOWED_ORIGINS": origins, "SECRET_KEY": values["SECRET_KEY"], "GREETING": values["GREETING"]}


def main(argv):
    if argv[1:] not in (["check"], ["show"]):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(ENV_FILE, encoding="utf-8") as f:
            settings = typed(parse(f.read()))
    except (EnvError, OSError) as e:
        print(f".env: {e}", file=sys.stderr)
        return 1
    print("OK" if argv[1] == "check" else json.dumps(settings, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
