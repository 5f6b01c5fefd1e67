#!/bin/bash
cat > /app/slugify.py <<'PY'
"""Turn titles into URL slugs."""
import re
import unicodedata


def slugify(text, max_length=None):
    """Return a lower-case ASCII slug of `text` made of words joined by single dashes.

    If max_length is given, the slug is at most max_length characters long and is cut
    between words, never inside one.
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", text.lower())
    slug = "-".join(words)
    if max_length is not None and len(slug) > max_length:
        kept = []
        for w in words:
            if len("-".join(kept + [w])) > max_length:
                break
            kept.append(w)
        slug = "-".join(kept)
    return slug
PY
