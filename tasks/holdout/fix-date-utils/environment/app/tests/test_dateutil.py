import sys
import unittest
from datetime import date

sys.path.insert(0, "/app")
from dateutil import (add_months, business_days_between, days_in_month, format_duration,  # noqa: E402
                      is_leap, iso_week, parse_date)


class LeapTest(unittest.TestCase):
    def test_leap_years(self):
        self.assertTrue(is_leap(2024))
        self.assertTrue(is_leap(2000))
        self.assertFalse(is_leap(1900))
        self.assertFalse(is_leap(2023))

    def test_days_in_february(self):
        self.assertEqual(days_in_month(2024, 2), 29)
        self.assertEqual(days_in_month(2100, 2), 28)
        self.assertEqual(days_in_month(2023, 12), 31)


class AddMonthsTest(unittest.TestCase):
    def test_simple(self):
        self.assertEqual(add_months(date(2024, 3, 15), 1), date(2024, 4, 15))

    def test_clamps_to_month_end(self):
        self.assertEqual(add_months(date(2024, 1, 31), 1), date(2024, 2, 29))
        self.assertEqual(add_months(date(2023, 1, 31), 1), date(2023, 2, 28))
        self.assertEqual(add_months(date(2024, 3, 31), 1), date(2024, 4, 30))

    def test_across_years(self):
        self.assertEqual(add_months(date(2024, 11, 30), 3), date(2025, 2, 28))
        self.assertEqual(add_months(date(2024, 12, 10), 1), date(2025, 1, 10))
        self.assertEqual(add_months(date(2024, 6, 1), 18), date(2025, 12, 1))

    def test_negative(self):
        self.assertEqual(add_months(date(2024, 3, 31), -1), date(2024, 2, 29))
        self.assertEqual(add_months(date(2024, 1, 15), -1), date(2023, 12, 15))
        self.assertEqual(add_months(date(2024, 1, 15), -13), date(2022, 12, 15))


class BusinessDaysTest(unittest.TestCase):
    def test_one_week(self):
        # Monday 2024-03-04 up to (not including) Monday 2024-03-11
        self.assertEqual(business_days_between(date(2024, 3, 4), date(2024, 3, 11)), 5)

    def test_same_day_and_weekend(self):
        self.assertEqual(business_days_between(date(2024, 3, 6), date(2024, 3, 6)), 0)
        self.assertEqual(business_days_between(date(2024, 3, 9), date(2024, 3, 11)), 0)

    def test_holidays(self):
        holidays = [date(2024, 3, 29), date(2024, 4, 1), date(2024, 3, 30)]  # Fri, Mon, and a Saturday
        self.assertEqual(business_days_between(date(2024, 3, 25), date(2024, 4, 5), holidays), 7)
        self.assertEqual(business_days_between(date(2024, 4, 2), date(2024, 4, 5), holidays), 3)

    def test_reversed_range_is_negative(self):
        self.assertEqual(business_days_between(date(2024, 3, 11), date(2024, 3, 4)), -5)


class IsoWeekTest(unittest.TestCase):
    def test_iso_weeks(self):
        self.assertEqual(iso_week(date(2024, 3, 6)), (2024, 10))
        self.assertEqual(iso_week(date(2021, 1, 3)), (2020, 53))
        self.assertEqual(iso_week(date(2024, 12, 30)), (2025, 1))
        self.assertEqual(iso_week(date(2023, 1, 1)), (2022, 52))


class ParseTest(unittest.TestCase):
    def test_formats(self):
        self.assertEqual(parse_date("2024-03-05"), date(2024, 3, 5))
        self.assertEqual(parse_date("05/03/2024"), date(2024, 3, 5))
        self.assertEqual(parse_date("5 Mar 2024"), date(2024, 3, 5))
        self.assertEqual(parse_date("March 5, 2024"), date(2024, 3, 5))
        self.assertEqual(parse_date(" 31/12/1999 "), date(1999, 12, 31))

    def test_invalid(self):
        for text in ("2023-02-29", "31/04/2024", "32 Jan 2024", "Smarch 1, 2024", "2024/03/05", ""):
            with self.assertRaises(ValueError, msg=text):
                parse_date(text)


class DurationTest(unittest.TestCase):
    def test_format(self):
        self.assertEqual(format_duration(93784), "1d 2h 3m 4s")
        self.assertEqual(format_duration(3600), "1h")
        self.assertEqual(format_duration(61), "1m 1s")

    def test_zero_and_negative(self):
        self.assertEqual(format_duration(0), "0s")
        self.assertEqual(format_duration(-90), "-1m 30s")


if __name__ == "__main__":
    unittest.main()
