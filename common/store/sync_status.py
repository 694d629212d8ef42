"""What every UI shows about the sync links: state, since when, queues both ways, age, quarantine, rates.

Read from the tables the sync threads keep (they write link state and byte rates every few
seconds), so the web UI, the JSON API and the CLI need no access to the running threads.
"""
from datetime import datetime, timedelta, timezone

from . import outbox


def _age_seconds(iso):
    if not iso:
        return None
    return round((datetime.now(timezone.utc) - datetime.fromisoformat(iso)).total_seconds(), 1)


def _day_ago():
    return (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(timespec="milliseconds")


def link_status(conn, row):
    """The status dict of one sync_links ROW."""
    name = row["link"]
    queued = outbox.last_seq(conn, name) - row["acked_upto"]
    return {
        "link": name, "peer": "parent" if name == outbox.UP else name, "state": row["state"],
        "since": row["state_since"], "last_contact": row["last_contact"],
        "queue_out": max(0, queued), "queue_in": row["peer_backlog"],
        "oldest_pending_age_s": _age_seconds(outbox.oldest_after(conn, name, row["acked_upto"])),
        "bytes_per_s_in": round(row["rate_in"], 1), "bytes_per_s_out": round(row["rate_out"], 1),
        "bytes_in": row["bytes_in"], "bytes_out": row["bytes_out"],
    }


def status(conn):
    """The whole picture: every link, quarantined messages, recent refusals, pending enrolments."""
    rows = [dict(r) for r in conn.execute("SELECT * FROM sync_links ORDER BY link = 'up' DESC, link")]
    return {
        "links": [link_status(conn, r) for r in rows],
        "quarantined": conn.execute("SELECT COUNT(*) FROM sync_quarantine").fetchone()[0],
        "refusals_24h": conn.execute("SELECT COALESCE(SUM(count), 0) FROM sync_refusals WHERE last_at > ?",
                                     (_day_ago(),)).fetchone()[0],
        "pending_enrolments": conn.execute("SELECT COUNT(*) FROM sync_nodes WHERE status = 'pending'").fetchone()[0],
        "subtree": subtree(conn),
    }


def subtree(conn):
    """The links below our children, as they last reported them on their heartbeats (with when)."""
    return [dict(r, reported_age_s=_age_seconds(r["reported_at"]))
            for r in conn.execute("SELECT * FROM sync_subtree ORDER BY node")]
