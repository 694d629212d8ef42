"""SQL for the county's figures: one narrow facts row per application and one per rating (issue 18).

Written with the projection (`applications._flush` calls `save` in the same transaction), and
again for the applications a calendar change can move (`refresh_for_days`). Every figure of the
dashboard is a sum over an index range of these rows, so a year of a large county (120,000
applications) is read from a few megabytes of index, not by parsing 120,000 JSON documents.
"""
from datetime import date

from ..domain import facts as model
from ..jsontext import loads

FACT_COLUMNS = ("app_id", "department", "township", "village", "item", "case_type", "state", "submitted_on",
                "accepted_on", "decided_on", "outcome", "due_on", "on_time", "early", "working_days")
RATING_COLUMNS = ("app_id", "n", "on", "level", "satisfied", "office", "staff", "department", "township", "village",
                  "item")
_UPSERT = (f"INSERT INTO app_facts ({', '.join(FACT_COLUMNS)}) VALUES ({', '.join('?' * len(FACT_COLUMNS))})"
           f" ON CONFLICT(app_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in FACT_COLUMNS[1:])}")
_RATING = (f"INSERT INTO app_ratings ({', '.join(c if c != 'on' else 'on_day' for c in RATING_COLUMNS)})"
           f" VALUES ({', '.join('?' * len(RATING_COLUMNS))})")


def save(conn, docs, cal):
    """Write the facts and ratings of DOCS (projections with their deadline from calendar CAL)."""
    rows, ratings, ids = [], [], []
    for doc in docs:
        f = model.facts_of(doc, cal)
        rows.append(tuple(f[c] for c in FACT_COLUMNS))
        ids.append((doc["id"],))
        ratings.extend(tuple(r[c] for c in RATING_COLUMNS) for r in model.ratings_of(doc))
    awaiting = [(doc["id"], dept, doc.get("due_on")) for doc in docs if doc["state"] in model.WORKING
                for dept in dict.fromkeys(model.awaiting(doc))]
    conn.executemany(_UPSERT, rows)
    conn.executemany("DELETE FROM app_ratings WHERE app_id = ?", ids)
    conn.executemany(_RATING, ratings)
    conn.executemany("DELETE FROM app_awaiting WHERE app_id = ?", ids)
    conn.executemany("INSERT INTO app_awaiting (app_id, department, due_on) VALUES (?, ?, ?)", awaiting)


def affected_by(conn, first, last):
    """Ids of applications whose deadline or working days a calendar change between FIRST and LAST can move:
    accepted by LAST and not decided before FIRST."""
    return [r[0] for r in conn.execute(
        "SELECT app_id FROM app_facts WHERE accepted_on <= ? AND COALESCE(decided_on, '9999-12-31') >= ?",
        (last.isoformat(), first.isoformat()))]


def _group_sql(group):
    if group not in model.GROUPS:
        raise ValueError(f"group must be one of {model.GROUPS}")
    return group  # a column name from the fixed list, never the caller's text


def figures(conn, start, end, group):
    """{key: {received, accepted, completed, on_time, early, rated, satisfied, bad, _days}} over [START, END].

    A key appears as the reference recomputation lists it: for any application submitted by END
    that was not decided before START (or was rated since START), even with nothing to count.
    """
    g, s, e = _group_sql(group), start.isoformat(), end.isoformat()
    rows = {}

    def row(key):
        return rows.setdefault(key, {"key": key, "received": 0, "accepted": 0, "completed": 0, "on_time": 0,
                                     "early": 0, "rated": 0, "satisfied": 0, "bad": 0, "_days": 0})
    for key, n in conn.execute(f"SELECT {g}, COUNT(*) FROM app_facts WHERE submitted_on BETWEEN ? AND ?"
                               f" AND {g} != '' GROUP BY {g}", (s, e)):
        row(key)["received"] = n
    for key, n in conn.execute(f"SELECT {g}, COUNT(*) FROM app_facts WHERE accepted_on BETWEEN ? AND ?"
                               f" AND {g} != '' GROUP BY {g}", (s, e)):
        row(key)["accepted"] = n
    for key, n, on_time, early, days in conn.execute(
            f"SELECT {g}, COUNT(*), SUM(on_time), SUM(early), COALESCE(SUM(working_days), 0) FROM app_facts"
            f" WHERE decided_on BETWEEN ? AND ? AND {g} != '' GROUP BY {g}", (s, e)):
        row(key).update(completed=n, on_time=on_time, early=early, _days=days)
    for key, n, satisfied in conn.execute(
            f"SELECT {g}, COUNT(*), SUM(satisfied) FROM app_ratings WHERE on_day BETWEEN ? AND ? AND {g} != ''"
            f" GROUP BY {g}", (s, e)):
        row(key).update(rated=n, satisfied=satisfied, bad=n - satisfied)
    # The rest of the groups the reference lists: open in the period, with nothing counted in it —
    # submitted by END and undecided, or decided or rated after END (those decided or rated in the
    # period are keys already). Small index ranges, however long the period.
    for (key,) in conn.execute(
            f"SELECT {g} FROM app_facts WHERE decided_on IS NULL AND submitted_on <= ? AND {g} != ''"
            f" UNION SELECT {g} FROM app_facts WHERE decided_on > ? AND submitted_on <= ? AND {g} != ''", (e, e, e)):
        row(key)
    for (key,) in conn.execute(
            f"SELECT DISTINCT f.{g} FROM app_ratings r JOIN app_facts f ON f.app_id = r.app_id"
            f" WHERE r.on_day > ? AND f.submitted_on <= ? AND f.{g} != ''", (e, e)):
        row(key)
    return rows


def rating_figures(conn, start, end, by):
    """{key: {rated, satisfied, bad}} of the ratings given in [START, END], BY office or staff."""
    if by not in model.RATING_GROUPS:
        raise ValueError(f"by must be one of {model.RATING_GROUPS}")
    return {key: {"key": key, "rated": n, "satisfied": sat, "bad": n - sat} for key, n, sat in conn.execute(
        f"SELECT {by}, COUNT(*), SUM(satisfied) FROM app_ratings WHERE on_day BETWEEN ? AND ? AND {by} != ''"
        f" GROUP BY {by}", (start.isoformat(), end.isoformat()))}


def daily(conn, start, end):
    """([(day, received)], [(day, completed, on_time)]) per day of [START, END] (days with none left out)."""
    s, e = start.isoformat(), end.isoformat()
    received = conn.execute("SELECT submitted_on, COUNT(*) FROM app_facts WHERE submitted_on BETWEEN ? AND ?"
                            " GROUP BY submitted_on", (s, e)).fetchall()
    completed = conn.execute("SELECT decided_on, COUNT(*), SUM(on_time) FROM app_facts WHERE decided_on BETWEEN ? AND ?"
                             " GROUP BY decided_on", (s, e)).fetchall()
    return [(date.fromisoformat(d), n) for d, n in received], \
        [(date.fromisoformat(d), n, t) for d, n, t in completed]


def voice(conn, start, end, today):
    """The complaint figures' counts (see county_hub.stats.voice_figures) from the facts."""
    s, e = start.isoformat(), end.isoformat()
    received, replied = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(outcome = 'approved'), 0) FROM app_facts WHERE case_type = 'voice'"
        " AND submitted_on BETWEEN ? AND ?", (s, e)).fetchone()
    answered, on_time = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(on_time), 0) FROM app_facts WHERE case_type = 'voice' AND outcome = 'approved'"
        " AND decided_on BETWEEN ? AND ?", (s, e)).fetchone()
    open_, overdue = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(due_on IS NOT NULL AND due_on < ?), 0) FROM app_facts"
        " WHERE case_type = 'voice' AND decided_on IS NULL AND state != 'withdrawn'", (today.isoformat(),)).fetchone()
    return {"received": received, "replied_of_received": replied, "answered": answered,
            "answered_on_time": on_time, "open": open_, "overdue": overdue}


def backfill(conn, cal, batch=5000):
    """Write the facts of every application held (the migration that adds the tables; a rebuild)."""
    last = ""
    while True:
        found = conn.execute("SELECT id, doc FROM applications WHERE id > ? ORDER BY id LIMIT ?",
                             (last, batch)).fetchall()
        if not found:
            return
        save(conn, [loads(r[1]) for r in found], cal)
        last = found[-1][0]
