#!/bin/bash
set -e
python3 - <<'PY'
import glob, json, os, re

def typed(v):
    if v == "":
        return None
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    if re.fullmatch(r"-?[0-9]+", v):
        return int(v)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", v):
        return float(v)
    if v.lower() in ("true", "yes", "on"):
        return True
    if v.lower() in ("false", "no", "off"):
        return False
    return v

bundle = {}
for path in sorted(glob.glob("/app/conf.d/*.ini")):
    if not os.path.isfile(path):
        continue
    doc, section = {}, None
    for line in open(path, encoding="utf-8"):
        s = line.strip()
        if not s or s[0] in ";#":
            continue
        if s.startswith("[") and s.endswith("]"):
            section = doc.setdefault(s[1:-1].strip(), {})
            continue
        key, _, value = s.partition("=")
        section[key.strip().lower()] = typed(value.strip())
    bundle[os.path.basename(path)[:-4]] = doc
json.dump(bundle, open("/app/all.json", "w"), indent=2)
PY
