"""SQL behind the village clerk's console: the village's applications with their sync state, today's figures."""
from common.domain.application import is_voice, label
from common.domain.states import UNFINISHED
from common.store.item_snapshots import doc_of
from common.paging import PAGE
from common.store import outbox, sync_status


def rows(conn, state=None, limit=PAGE, offset=0):
    """The newest applications (of STATE, if given), LIMIT of them from OFFSET, read newest first from an
    index; each with `waiting`: its events not yet sent up."""
    sql, args = "SELECT doc, due_on, due_provisional FROM applications", []
    if state:
        sql, args = sql + " WHERE state = ?", [state]
    waiting = outbox.waiting_by_application(conn)
    refused = sync_status.refused_by_application(conn)
    out = []
    for r in conn.execute(sql + " ORDER BY id DESC LIMIT ? OFFSET ?", args + [limit, offset]):
        doc = doc_of(conn, r["doc"])
        out.append({"id": doc["id"], "tracking_code": doc["tracking_code"], "origin": doc["origin"],
                    "item_code": doc["item"]["code"],
                    "item_name": doc["item"]["name"], "applicant_name": doc["applicant"]["name"],
                    "applicant_phone": doc["applicant"].get("phone", ""), "state": doc["state"],
                    "state_label": label(doc["state"], is_voice(doc)), "submitted_on": doc["submitted_on"],
                    "due_on": r["due_on"], "due_provisional": bool(r["due_provisional"]),
                    "proxy_by": doc.get("proxy_by", ""), "waiting": waiting.get(doc["id"], 0),
                    "refused": refused.get(doc["id"]),
                    "supplement": doc.get("supplement"), "withdrawal_requested": doc.get("withdrawal_requested", False)})
    return out


def summary(conn, day):
    """Today's figures for DAY (YYYY-MM-DD) and the parent link's state."""
    one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
    marks = ", ".join("?" * len(UNFINISHED))
    parent = next((ln for ln in sync_status.links(conn, photos=True) if ln["link"] == outbox.UP), None)
    return {
        "day": day,
        "submitted_today": one("SELECT COUNT(*) FROM applications WHERE submitted_at = ?", day),
        "open": one(f"SELECT COUNT(*) FROM applications WHERE state IN ({marks})", *UNFINISHED),
        "supplement": one("SELECT COUNT(*) FROM applications WHERE state = 'supplement'"),
        "decided_today": one("SELECT COUNT(*) FROM applications WHERE decided_on = ?", day),
        "waiting_for_network": len(outbox.waiting_by_application(conn)),
        "link": {"state": parent["state"] if parent else "down", "since": parent["since"] if parent else None,
                 "queue_out": parent["queue_out"] if parent else 0,
                 "last_contact": parent["last_contact"] if parent else None,
                 # Photos the township still pulls from us (its last heartbeat said), with an estimate.
                 "photos_out": parent["blobs_out"] if parent else {"photos": 0, "bytes": 0, "eta_s": None}},
    }
