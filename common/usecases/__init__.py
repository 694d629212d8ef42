"""Administrative actions, one function each, called by every entry point (the CLI and the web admin).

Each function parses and validates its input, writes the change, audits it and queues it for the
children in one transaction, so `sanji catalog import` and the county's /admin/catalog page cannot
drift apart again (they did: one audited and published, the other did neither). The shape is
that of `common.notices` and `common.accounts`: the entry point only reads its input (a file, a
form) and shows the result.

- `catalog` — import a catalog file, save an item edit (a new catalog version).
- `calendar` — set or clear a day, mark a year published.
"""
