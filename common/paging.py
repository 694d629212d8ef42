"""Paging of long lists (staff inboxes, the audit log): PAGE rows at a time, read as PAGE + 1 so a page
knows whether another follows without counting the whole list."""

PAGE = 100         # rows of a list page
LAST_PAGE = 100_000  # a page number beyond this is treated as this (OFFSET stays bounded)


def number(args, key="page", last=LAST_PAGE):
    """The whole number ≥ 1 under KEY in ARGS (a query string mapping), at most LAST (None: no cap);
    a missing or bad one is 1."""
    try:
        n = max(1, int(args.get(key, 1)))
        return n if last is None else min(last, n)
    except (TypeError, ValueError):
        return 1


def window(page, size=PAGE):
    """(limit, offset) that read page PAGE of SIZE rows plus one more."""
    return size + 1, (page - 1) * size


def split(rows, size=PAGE):
    """(the page's rows, whether another page follows) from what `window` read."""
    return rows[:size], len(rows) > size
