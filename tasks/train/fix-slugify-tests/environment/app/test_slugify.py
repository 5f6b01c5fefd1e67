import sys
import unittest

sys.path.insert(0, "/app")
from slugify import slugify  # noqa: E402


class SlugifyTest(unittest.TestCase):
    def test_simple_words(self):
        self.assertEqual(slugify("Hello World"), "hello-world")

    def test_digits_are_kept(self):
        self.assertEqual(slugify("Top 10 Tips"), "top-10-tips")

    def test_empty(self):
        self.assertEqual(slugify(""), "")

    def test_punctuation_and_spaces_collapse(self):
        self.assertEqual(slugify("Hello,   World!"), "hello-world")
        self.assertEqual(slugify("C++ & C# tips"), "c-c-tips")

    def test_no_leading_or_trailing_dashes(self):
        self.assertEqual(slugify("  --Trim me--  "), "trim-me")
        self.assertEqual(slugify("!!!"), "")

    def test_accents_are_transliterated(self):
        self.assertEqual(slugify("Café déjà vu"), "cafe-deja-vu")
        self.assertEqual(slugify("Ünïcödé"), "unicode")

    def test_max_length_cuts_between_words(self):
        self.assertEqual(slugify("a very long title here", max_length=10), "a-very")
        self.assertEqual(slugify("a very long title here", max_length=11), "a-very-long")
        self.assertEqual(slugify("short", max_length=50), "short")

    def test_max_length_shorter_than_first_word(self):
        self.assertEqual(slugify("extraordinary claims", max_length=5), "")


if __name__ == "__main__":
    unittest.main()
