"""Exact money arithmetic with decimal.Decimal."""
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
import re

MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "BHD": 3}
SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}


class CurrencyMismatch(ValueError):
    pass


def _quantum(currency):
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


class Money:
    __slots__ = ("amount", "currency")

    def __init__(self, amount, currency):
        if currency not in MINOR_UNITS:
            raise ValueError(f"unknown currency {currency}")
        if isinstance(amount, float) or isinstance(amount, bool):
            raise TypeError("use str, int or Decimal amounts, never float")
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise ValueError(f"bad amount {amount!r}")
        self.amount = value.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)
        self.currency = currency

    def _check(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")
        return None

    def __add__(self, other):
        if self._check(other) is NotImplemented:
            return NotImplemented
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other):
        if self._check(other) is NotImplemented:
            return NotImplemented
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self):
        return Money(-self.amount, self.currency)

    def __mul__(self, factor):
        if isinstance(factor, float) or isinstance(factor, bool) or not isinstance(factor, (int, Decimal)):
            raise TypeError("multiply by int or Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __eq__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self):
        return hash((self.amount, self.currency))

    def __lt__(self, other):
        if self._check(other) is NotImplemented:
            return NotImplemented
        return self.amount < other.amount

    def __le__(self, other):
        if self._check(other) is NotImplemented:
            return NotImplemented
        return self.amount <= other.amount

    def __repr__(self):
        return f"Money('{self.amount}', '{self.currency}')"

    def format(self):
        """'1,234.50 USD', '-5.00 EUR', '1,200 JPY'."""
        sign = "-" if self.amount < 0 else ""
        return f"{sign}{abs(self.amount):,} {self.currency}"

    def allocate(self, ratios):
        """Split into parts proportional to `ratios` that add up exactly to self.

        Each part gets its exact share rounded toward zero to the minor unit; the minor units left over go,
        one each, to the parts with the largest discarded remainders (earlier parts first on ties).
        """
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise ValueError("ratios must be non-negative with a positive sum")
        units = int(self.amount.scaleb(MINOR_UNITS[self.currency]))
        sign = -1 if units < 0 else 1
        units = abs(units)
        total = sum(ratios)
        shares = [units * Decimal(r) / Decimal(total) for r in ratios]
        floors = [int(s) for s in shares]
        left = units - sum(floors)
        order = sorted(range(len(ratios)), key=lambda i: (-(shares[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
        q = _quantum(self.currency)
        return [Money(sign * f * q, self.currency) for f in floors]

    def split_evenly(self, n):
        return self.allocate([1] * n)


def parse(text):
    """Parse '$1,234.50', '-€5', '(£3.20)' (accounting negative), '1.234,50 EUR' or '1,234.50 USD'."""
    s = text.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.startswith("-"):
        negative, s = not negative, s[1:].strip()
    m = re.fullmatch(r"([$€£¥])\s*([0-9][0-9,]*(?:\.[0-9]+)?)", s)
    if m:
        currency, number = SYMBOLS[m.group(1)], m.group(2).replace(",", "")
    else:
        m = re.fullmatch(r"([0-9][0-9.,]*)\s+([A-Z]{3})", s)
        if not m or m.group(2) not in MINOR_UNITS:
            raise ValueError(f"cannot parse {text!r}")
        number, currency = m.group(1), m.group(2)
        if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})*(,[0-9]+)?", number) and ("," in number or number.count(".") > 1):
            number = number.replace(".", "").replace(",", ".")      # 1.234,50 style
        else:
            number = number.replace(",", "")
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueError(f"cannot parse {text!r}")
    return Money(-value if negative else value, currency)
