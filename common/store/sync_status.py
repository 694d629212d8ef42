"""What every UI shows about the sync links: state, since when, queues both ways, age, quarantine, rates.

Read from the tables the sync threads keep (they write link state and byte rates every few
seconds), so the web UI, the JSON API and the CLI need no access to the running threads.
"""
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from . import blobs, outbox


def _age_seconds(iso: str | None) -> float | None:
    if not iso:
        return None
    return round((datetime.now(timezone.utc) - datetime.fromisoformat(iso)).total_seconds(), 1)


def _day_ago() -> str:
    return (datetime.now(timezone.utc) - timedelta(days=1)).isoformat(timespec="milliseconds")


def link_status(conn: sqlite3.Connection, row: Mapping[str, Any], photos: bool = True) -> dict[str, Any]:
    """The status dict of one sync_links ROW (PHOTOS: with its photo backlog each way)."""
    name = row["link"]
    queued = outbox.last_seq(conn, name) - row["acked_upto"]
    up = row["state"] == "up"
    return {
        "link": name, "peer": "parent" if name == outbox.UP else name, "state": row["state"],
        "since": row["state_since"], "last_contact": row["last_contact"],
        "queue_out": max(0, queued), "queue_in": row["peer_backlog"],
        "oldest_pending_age_s": _age_seconds(outbox.oldest_after(conn, name, row["acked_upto"])),
        "bytes_per_s_in": round(row["rate_in"], 1), "bytes_per_s_out": round(row["rate_out"], 1),
        "bytes_in": row["bytes_in"], "bytes_out": row["bytes_out"], "flaps": row["flaps"],
        # 'quarantine_full' (we stopped taking this link), 'peer_quarantine_full' (the peer stopped
        # taking ours) or 'clock' (the peer's clock is off ours), with what to do; '' when all is well.
        "alarm": row["alarm"], "alarm_detail": row["alarm_detail"], "alarm_since": row["alarm_since"],
        "bytes_resent": row["bytes_resent"],
    } | (_photos(conn, row, up) if photos else {})


def _photos(conn: sqlite3.Connection, row: Mapping[str, Any], up: bool) -> dict[str, dict[str, Any]]:
    # Photos still crossing: those we pull from the peer, and those it pulls from us (as its last
    # heartbeat said), each with an estimate at the rate the link carries now (None: not moving,
    # or some photo's size was never said, so no honest estimate can be made).
    n, left, unsized = blobs.backlog_sized(conn, row["link"])
    return {"blobs_in": _backlog(n, left, row["rate_in"], up and not unsized),
            "blobs_out": _backlog(row["peer_blobs"], row["peer_blob_bytes"], row["rate_out"], up)}


def _backlog(photos: int, left: int, rate: float, moving: bool) -> dict[str, Any]:
    eta = min(round(left / rate), 10 ** 9) if photos and left and moving and rate > 0 else None
    return {"photos": photos, "bytes": left, "eta_s": eta}


def links(conn: sqlite3.Connection, photos: bool = False) -> list[dict[str, Any]]:
    """Every link's status, the parent's first (PHOTOS: with the photo backlogs, a scan of the pull queue).

    What a page banner or a form needs; `status` is the whole picture for the pages that show it.
    """
    rows = [dict(r) for r in conn.execute("SELECT * FROM sync_links ORDER BY link = 'up' DESC, link")]
    return [link_status(conn, r, photos) for r in rows]


def link_state(conn: sqlite3.Connection, link: str) -> str | None:
    """'up', 'down', or None when link LINK was never set up on this node."""
    row = conn.execute("SELECT state FROM sync_links WHERE link = ?", (link,)).fetchone()
    return row[0] if row else None


def quarantined(conn: sqlite3.Connection) -> int:
    """Messages held in quarantine on this node, all links."""
    return conn.execute("SELECT COUNT(*) FROM sync_quarantine").fetchone()[0]


def alarms(links_: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The alarms raised on LINKS_ (as `links` returns them)."""
    return [{"link": l["link"], "alarm": l["alarm"], "detail": l["alarm_detail"], "since": l["alarm_since"]}
            for l in links_ if l["alarm"]]


def status(conn: sqlite3.Connection) -> dict[str, Any]:
    """The whole picture: every link, quarantined messages, recent refusals, pending enrolments."""
    links_ = links(conn, photos=True)
    return {
        "links": links_,
        "alarms": alarms(links_),
        "quarantined": quarantined(conn),
        "refusals_24h": conn.execute("SELECT COALESCE(SUM(count), 0) FROM sync_refusals WHERE last_at > ?",
                                     (_day_ago(),)).fetchone()[0],
        "pending_enrolments": conn.execute("SELECT COUNT(*) FROM sync_nodes WHERE status = 'pending'").fetchone()[0],
        # Events waiting for their application (they apply when it arrives), and what our parent refused.
        "held": [{"link": r[0], "count": r[1], "oldest_age_s": _age_seconds(r[2])} for r in conn.execute(
            "SELECT link, COUNT(*), MIN(held_at) FROM sync_held GROUP BY link ORDER BY link")],
        "refused_by_parent": conn.execute("SELECT COUNT(*) FROM sync_refused WHERE link = ?",
                                          (outbox.UP,)).fetchone()[0],
        "subtree": subtree(conn),
        # Photos named by applications here but not complete yet, by the village they come from.
        "photos_arriving": blobs.arriving_by_origin(conn, 100),
    }


SUBTREE_STALE_S = 30  # a linked child reports its children's links with its pings, every few seconds


def subtree(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The links below our children, as they last reported them on their heartbeats (with when)."""
    reporters = {r["link"]: r["state"] for r in conn.execute("SELECT link, state FROM sync_links")}
    out = []
    for r in conn.execute("SELECT * FROM sync_subtree ORDER BY node"):
        row = dict(r, reported_age_s=_age_seconds(r["reported_at"]))
        # What a child said of its own children is only as fresh as its last report: once that is older
        # than a report's window, or the child's own link is down, nobody here knows their state.
        if row["reported_age_s"] is None or row["reported_age_s"] > SUBTREE_STALE_S or reporters.get(r["reporter"]) != "up":
            row["state"] = "unknown"
        out.append(row)
    return out


def refused_ids(conn: sqlite3.Connection, msg_ids: Iterable[str]) -> dict[str, str]:
    """{msg_id: reason} of those of MSG_IDS this node's parent refused (told per entry in its acks)."""
    msg_ids = list(msg_ids)
    out: dict[str, str] = {}
    for k in range(0, len(msg_ids), 500):
        chunk = msg_ids[k:k + 500]
        out.update(conn.execute(f"SELECT msg_id, reason FROM sync_refused WHERE msg_id IN ({', '.join('?' * len(chunk))})",
                                chunk).fetchall())
    return out


def refused_by_application(conn: sqlite3.Connection) -> dict[str, str]:
    """{app_id: reason} of applications one of whose events this node's parent refused."""
    return dict(conn.execute("SELECT e.app_id, r.reason FROM sync_refused r JOIN events e ON e.id = r.msg_id"
                             " WHERE r.link = ?", (outbox.UP,)).fetchall())
