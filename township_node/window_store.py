"""SQL behind the township window console: the inbox with its filters, and the villages' links."""
from common.domain.application import label
from common.domain.states import NAMES_HOLDER, UNFINISHED
from common.store.item_snapshots import doc_of
from common.paging import PAGE
from common.domain import deadlines
from common.store import calendar as cal_store, outbox, sync_status

SCOPES = ("mine", "open", "all")


def inbox(conn, me, scope="mine", item=None, origin=None, state=None, due_by=None, limit=PAGE, offset=0, today=None):
    """Applications held here as rows for the inbox: LIMIT of them from OFFSET.

    SCOPE 'mine': those this township decides now (custody here, not finished); 'open': every
    unfinished one in the subtree (also those passed to the county), both soonest due first; 'all':
    everything, newest first (ten years of history, read from an index a page at a time). ORIGIN
    is a village code, or ME for walk-ins. DUE_BY (YYYY-MM-DD) keeps those due on or before it.
    With TODAY each row carries its deadline light (`warning`: the county's, or this township's own count).
    """
    sql, args = "SELECT doc, due_on, due_provisional FROM applications WHERE 1 = 1", []
    if scope == "mine":
        sql += f" AND custody = ? AND state IN ({', '.join('?' * len(UNFINISHED))})"
        args += [me, *UNFINISHED]
    elif scope == "open":
        sql += f" AND state IN ({', '.join('?' * len(UNFINISHED))})"
        args += list(UNFINISHED)
    for column, value in (("item_code", item), ("origin", origin), ("state", state)):
        if value:
            sql, args = sql + f" AND {column} = ?", args + [value]
    if due_by:
        sql, args = sql + " AND due_on IS NOT NULL AND due_on <= ?", args + [due_by]
    waiting = outbox.waiting_by_application(conn)
    cal = cal_store.load_cached(conn) if today else None
    rows = []
    # History newest first by id (a UUIDv7: submission order, never changing, so pages do not
    # shift as cases move); the work in hand soonest due first.
    order = " ORDER BY id DESC" if scope == "all" else " ORDER BY COALESCE(due_on, '9999') ASC, id"
    for r in conn.execute(sql + order + " LIMIT ? OFFSET ?", args + [limit, offset]):
        doc = doc_of(conn, r["doc"])
        rows.append({"id": doc["id"], "tracking_code": doc["tracking_code"], "item_code": doc["item"]["code"],
                     "item_name": doc["item"]["name"], "decide_tier": doc["item"]["decide_tier"],
                     "applicant_name": doc["applicant"]["name"], "origin": doc["origin"],
                     "walk_in": doc["origin"] == me, "custody": doc["custody"], "state": doc["state"],
                     "state_label": label(doc["state"]), "submitted_on": doc["submitted_on"], "due_on": r["due_on"],
                     "due_provisional": bool(r["due_provisional"]), "open": doc["state"] in NAMES_HOLDER,
                     "withdrawal_requested": doc.get("withdrawal_requested", False),
                     "escalation": doc.get("escalation"), "waiting": waiting.get(doc["id"], 0),
                     "urged": doc.get("urged") if doc["state"] in UNFINISHED else None,  # the county's 督办/催办
                     "warning": deadlines.strongest(doc.get("warning"), deadlines.light(doc, r["due_on"], cal, today))
                     if today and doc["state"] in UNFINISHED else None})
    return rows


def villages(conn):
    """Each child link (village) with its state, since when, last contact, queue depth and oldest pending."""
    return [ln for ln in sync_status.links(conn, photos=True) if ln["link"] != outbox.UP]


def origins(conn):
    """The node codes applications here came from (villages and this township's own windows)."""
    return [r[0] for r in conn.execute("SELECT DISTINCT origin FROM applications ORDER BY origin")]
