import sys
import unittest

sys.path.insert(0, "/app")
from intervals import gaps, intersect, merge, total_length  # noqa: E402


class MergeTest(unittest.TestCase):
    def test_disjoint_stay_apart(self):
        self.assertEqual(merge([(1, 2), (4, 6)]), [(1, 2), (4, 6)])

    def test_overlapping_merge(self):
        self.assertEqual(merge([(1, 5), (2, 3), (4, 8)]), [(1, 8)])

    def test_unsorted_input(self):
        self.assertEqual(merge([(10, 12), (1, 3), (2, 4)]), [(1, 4), (10, 12)])

    def test_touching_intervals_merge(self):
        self.assertEqual(merge([(1, 3), (3, 5)]), [(1, 5)])

    def test_empty_intervals_dropped(self):
        self.assertEqual(merge([(2, 2), (5, 7), (9, 9)]), [(5, 7)])
        self.assertEqual(merge([]), [])

    def test_reversed_interval_rejected(self):
        with self.assertRaises(ValueError):
            merge([(1, 2), (5, 3)])


class LengthTest(unittest.TestCase):
    def test_overlaps_counted_once(self):
        self.assertEqual(total_length([(0, 10), (5, 15), (20, 21)]), 16)

    def test_empty(self):
        self.assertEqual(total_length([]), 0)


class GapsTest(unittest.TestCase):
    def test_gaps_between(self):
        self.assertEqual(gaps([(2, 4), (6, 8)], 0, 10), [(0, 2), (4, 6), (8, 10)])

    def test_no_gap_when_touching(self):
        self.assertEqual(gaps([(0, 5), (5, 10)], 0, 10), [])

    def test_clipped_to_range(self):
        self.assertEqual(gaps([(-5, 2), (8, 20)], 0, 10), [(2, 8)])
        self.assertEqual(gaps([(20, 30)], 0, 10), [(0, 10)])

    def test_nothing_covered(self):
        self.assertEqual(gaps([], 3, 7), [(3, 7)])


class IntersectTest(unittest.TestCase):
    def test_basic(self):
        self.assertEqual(intersect([(0, 5), (10, 15)], [(3, 12)]), [(3, 5), (10, 12)])

    def test_touching_is_not_overlap(self):
        self.assertEqual(intersect([(0, 5)], [(5, 9)]), [])

    def test_result_is_merged(self):
        self.assertEqual(intersect([(0, 4), (4, 8)], [(2, 6)]), [(2, 6)])


if __name__ == "__main__":
    unittest.main()
