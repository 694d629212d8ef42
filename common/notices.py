"""Publishing public notices (政务公开) at the county or a township: write, edit, withdraw; each change goes down.

A change is a new version of the notice, stored, queued for every child on the durable outbox and
audited in one transaction; children that are offline get it from the outbox when they return,
and a child that joins later from the hello (`Replicator.broadcasts_newer`).
"""
from . import clock as business_clock
from .domain import notices as model
from .domain.nodes import tier_of
from .errors import Forbidden, NotFound
from .ids import uuid7
from .store import audit, outbox
from .store import notices as store
from .store.db import transaction


def send_down(conn, me, notice, source=None):
    """Queue NOTICE (as stored here, with our seq) for every child of ME except SOURCE."""
    outbox.route(conn, me, "notice", f"notice-{notice['id']}-v{notice['version']}", "", notice, source)


def publish(conn, cfg, actor, form, notice_id=None, withdraw=False):
    """Create (or, with NOTICE_ID, edit or WITHDRAW) a notice of this node; returns it as stored."""
    me = cfg["code"]
    if tier_of(me) not in model.PUBLISHING_TIERS:
        raise Forbidden("只有县和乡镇可以发布公告 / only the county and townships publish notices")
    with transaction(conn):
        old = store.get(conn, notice_id) if notice_id else None
        if (notice_id or withdraw) and (not old or old["publisher"] != me):
            raise NotFound("没有这条本级发布的公告 / no such notice published here",
                           fix="notices from above are edited where they were published")
        if withdraw:
            fields = {k: old[k] for k in ("title", "body", "category", "published_on", "expires_on")}
        else:
            fields = model.check(form, business_clock.today(cfg))
        notice = dict(fields, id=old["id"] if old else uuid7(), publisher=me, version=(old["version"] + 1) if old else 1,
                      withdrawn=bool(withdraw), author=actor)
        stored = store.upsert(conn, notice)
        send_down(conn, me, stored)
        audit.record(conn, actor, "notice.withdraw" if withdraw else "notice.edit" if old else "notice.publish",
                     stored["id"], {"title": stored["title"], "version": stored["version"]})
    return stored
