#!/bin/bash
# Builds /app/repo with a fixed history (fixed identities and dates, so commit ids are stable).
set -e
R=${1:-/app/repo}
mkdir -p "$R" && cd "$R"
git init -q -b main .
n=0
commit() {
  n=$((n + 1))
  export GIT_AUTHOR_DATE="2024-01-0${n}T10:00:00+00:00" GIT_COMMITTER_DATE="2024-01-0${n}T10:00:00+00:00"
  git add -A
  git -c user.name=dev -c user.email=dev@example.com commit -q -m "$1"
}
cat > price.py <<'PY'
"""Price calculator: python3 price.py NET_AMOUNT [SHIPPING_ZONE]"""
import sys

TAX_RATE = 0.20
DISCOUNT_THRESHOLD = 500
DISCOUNT_RATE = 0.05


def gross(net):
    total = net * (1 + TAX_RATE)
    if net >= DISCOUNT_THRESHOLD:
        total *= 1 - DISCOUNT_RATE
    return round(total, 2)


if __name__ == "__main__":
    print(f"{gross(float(sys.argv[1])):.2f}")
PY
echo "# pricing" > README.md
commit "Initial price calculator"
sed -i 's/^DISCOUNT_RATE = 0.05$/DISCOUNT_RATE = 0.05\nCURRENCY = "EUR"/' price.py
commit "Add currency constant"
sed -i 's/^TAX_RATE = 0.20$/TAX_RATE = 2.0/' price.py
commit "Tune pricing constants"
python3 - <<'PY'
s = open("price.py").read()
s = s.replace('''if __name__ == "__main__":
    print(f"{gross(float(sys.argv[1])):.2f}")''', '''SHIPPING = {"local": 4.90, "eu": 9.90, "world": 19.90}


def with_shipping(net, zone):
    return round(gross(net) + SHIPPING[zone], 2)


if __name__ == "__main__":
    net = float(sys.argv[1])
    if len(sys.argv) > 2:
        print(f"{with_shipping(net, sys.argv[2]):.2f}")
    else:
        print(f"{gross(net):.2f}")''')
open("price.py", "w").write(s)
PY
commit "Add shipping zones"
printf '# pricing\n\nUsage: `python3 price.py 100 eu`\n' > README.md
commit "Document usage"
