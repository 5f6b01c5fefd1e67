"""Split a list of lines into pages.

Usage: python3 paginate.py FILE PAGE PER_PAGE
Prints the lines of page PAGE (1-based) of FILE, then a footer line "page PAGE of TOTAL".
Exits with status 1 and prints nothing when PAGE is outside 1..TOTAL.
"""
import sys


def total_pages(n_items, per_page):
    """Number of pages needed for n_items items; an empty list still has one (empty) page."""
    return n_items // per_page


def page_slice(items, page, per_page):
    """Items on page `page` (1-based). Every page holds per_page items except possibly the last."""
    start = page * per_page
    return items[start:start + per_page]


def main(argv):
    path, page, per_page = argv[1], int(argv[2]), int(argv[3])
    with open(path) as f:
        items = f.read().splitlines()
    total = total_pages(len(items), per_page)
    if page < 0 or page > total:
        return 1
    for line in page_slice(items, page, per_page):
        print(line)
    print(f"page {page} of {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
