import sys
import unittest
from decimal import Decimal

sys.path.insert(0, "/app")
from money import CurrencyMismatch, Money, parse  # noqa: E402


class ConstructionTest(unittest.TestCase):
    def test_amount_is_quantized_to_minor_units(self):
        self.assertEqual(Money("1.5", "USD").amount, Decimal("1.50"))
        self.assertEqual(str(Money("7", "BHD").amount), "7.000")
        self.assertEqual(str(Money("1200", "JPY").amount), "1200")

    def test_rounding_is_half_even(self):
        self.assertEqual(Money("0.125", "USD").amount, Decimal("0.12"))
        self.assertEqual(Money("0.135", "USD").amount, Decimal("0.14"))
        self.assertEqual(Money("2.5", "JPY").amount, Decimal("2"))
        self.assertEqual(Money("-0.125", "USD").amount, Decimal("-0.12"))

    def test_floats_are_refused(self):
        with self.assertRaises(TypeError):
            Money(0.1, "USD")

    def test_equal_amounts_are_equal_and_hash_alike(self):
        self.assertEqual(Money("1.5", "EUR"), Money("1.50", "EUR"))
        self.assertEqual(len({Money("1.5", "EUR"), Money("1.50", "EUR"), Money(Decimal("1.500"), "EUR")}), 1)
        self.assertNotEqual(Money("1", "EUR"), Money("1", "USD"))


class ArithmeticTest(unittest.TestCase):
    def test_add_and_subtract(self):
        self.assertEqual(Money("0.10", "USD") + Money("0.20", "USD"), Money("0.30", "USD"))
        self.assertEqual(Money("5", "GBP") - Money("7.25", "GBP"), Money("-2.25", "GBP"))

    def test_currency_mismatch(self):
        with self.assertRaises(CurrencyMismatch):
            Money("1", "USD") + Money("1", "EUR")
        with self.assertRaises(CurrencyMismatch):
            Money("1", "USD") < Money("2", "EUR")

    def test_multiply_rounds_half_even(self):
        self.assertEqual(Money("0.05", "USD") * Decimal("0.5"), Money("0.02", "USD"))
        self.assertEqual(3 * Money("0.10", "USD"), Money("0.30", "USD"))
        self.assertEqual(Money("19.99", "EUR") * Decimal("1.19"), Money("23.79", "EUR"))


class AllocateTest(unittest.TestCase):
    def test_allocation_adds_up(self):
        parts = Money("100", "USD").split_evenly(3)
        self.assertEqual(parts, [Money("33.34", "USD"), Money("33.33", "USD"), Money("33.33", "USD")])

    def test_largest_remainder_gets_the_cent(self):
        self.assertEqual(Money("0.05", "USD").allocate([1, 2]), [Money("0.02", "USD"), Money("0.03", "USD")])
        self.assertEqual(Money("10", "EUR").allocate([1, 1, 1, 3]),
                         [Money("1.67", "EUR"), Money("1.67", "EUR"), Money("1.66", "EUR"), Money("5.00", "EUR")])

    def test_negative_and_other_units(self):
        self.assertEqual(Money("-100", "USD").split_evenly(3),
                         [Money("-33.34", "USD"), Money("-33.33", "USD"), Money("-33.33", "USD")])
        self.assertEqual(Money("1000", "JPY").split_evenly(3), [Money(334, "JPY"), Money(333, "JPY"), Money(333, "JPY")])
        self.assertEqual(sum((p.amount for p in Money("1", "BHD").allocate([7, 5, 3])), Decimal(0)), Decimal("1.000"))


class ParseFormatTest(unittest.TestCase):
    def test_symbols_and_codes(self):
        self.assertEqual(parse("$1,234.50"), Money("1234.50", "USD"))
        self.assertEqual(parse("¥1,200"), Money("1200", "JPY"))
        self.assertEqual(parse("  12.30 GBP "), Money("12.30", "GBP"))

    def test_negative_forms(self):
        self.assertEqual(parse("-$5"), Money("-5", "USD"))
        self.assertEqual(parse("($3.20)"), Money("-3.20", "USD"))
        self.assertEqual(parse("(£0.99)"), Money("-0.99", "GBP"))

    def test_european_style(self):
        self.assertEqual(parse("1.234,50 EUR"), Money("1234.50", "EUR"))
        self.assertEqual(parse("0,99 EUR"), Money("0.99", "EUR"))

    def test_garbage_is_rejected(self):
        for text in ("", "USD", "$", "12 XYZ", "1.2.3"):
            with self.assertRaises(ValueError, msg=text):
                parse(text)

    def test_format(self):
        self.assertEqual(Money("1234.5", "USD").format(), "1,234.50 USD")
        self.assertEqual(Money("-5", "EUR").format(), "-5.00 EUR")
        self.assertEqual(Money("1200", "JPY").format(), "1,200 JPY")


if __name__ == "__main__":
    unittest.main()
