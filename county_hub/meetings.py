"""Meetings between the county and its townships, held on a conference server (Jitsi) the hub brokers.

The hub keeps the meetings (title, time, invited townships) and hands out join links: the
server's address, an opaque room name and an HS256 JWT (PyJWT) per participant with the room,
a moderator flag (county staff) and an expiry — and nothing personal: the user is an opaque id
and is labelled by their office's name. Township consoles ask over the live link
(`meeting.list`, `meeting.join`); the answer comes back into their mailbox.
"""
import hashlib
import hmac
import time
from datetime import datetime, timedelta

import jwt

from common.clock import CHINA
from common.errors import ConfigError, Forbidden, NotFound, ValidationError
from common.live import live_for
from common.node import open_db
from common.store import sync_status

from . import meeting_store

LEEWAY = 60  # seconds of clock difference between us and the conference server


def configured(cfg):
    """True when a conference server is set up (meeting_url and meeting_secret)."""
    return bool(cfg["meeting_url"] and cfg["meeting_secret"])


def token(cfg, room, subject_key, label, moderator, now=None):
    """The HS256 JWT that lets SUBJECT_KEY ("node/username") into ROOM for `meeting_hours`."""
    if not configured(cfg):
        raise ConfigError("没有配置会议服务器 / no conference server configured",
                          fix="set meeting_url, meeting_app_id and meeting_secret on the county node (docs/consults.md)")
    now = int(now if now is not None else time.time())
    opaque = hmac.new(cfg["meeting_secret"].encode(), subject_key.encode(), hashlib.sha256).hexdigest()[:16]
    claims = {"iss": cfg["meeting_app_id"], "aud": cfg["meeting_app_id"], "sub": "*", "room": room,
              "iat": now, "nbf": now - LEEWAY, "exp": now + int(cfg["meeting_hours"]) * 3600,
              "moderator": moderator,
              "context": {"user": {"id": opaque, "name": label, "moderator": "true" if moderator else "false"}}}
    return jwt.encode(claims, cfg["meeting_secret"], algorithm="HS256")


def verify(cfg, encoded):
    """The claims of ENCODED if it is ours and unexpired (what the conference server checks); jwt errors otherwise."""
    return jwt.decode(encoded, cfg["meeting_secret"], algorithms=["HS256"], audience=cfg["meeting_app_id"],
                      options={"require": ["exp", "nbf", "room"]})


def join_url(cfg, meeting, subject_key, label):
    """The link that opens MEETING for SUBJECT_KEY: county staff moderate, invited townships join."""
    node = subject_key.split("/", 1)[0]
    if node != cfg["code"] and node not in meeting["townships"]:
        raise Forbidden("这个乡镇没有受邀参加此会议 / this township is not invited",
                        fix="ask the county to add the township to the meeting")
    tok = token(cfg, meeting["room"], subject_key, label, moderator=node == cfg["code"])
    return f"{cfg['meeting_url'].rstrip('/')}/{meeting['room']}?jwt={tok}"


def listing(cfg, conn, node):
    """The upcoming meetings NODE may join (its township's, or all at the county), without room names."""
    since = (datetime.now(CHINA) - timedelta(hours=int(cfg["meeting_hours"]))).strftime("%Y-%m-%dT%H:%M")
    rows = meeting_store.upcoming(conn, since, None if node == cfg["code"] else node)
    return [{"id": r["id"], "title": r["title"], "starts_at": r["starts_at"], "townships": r["townships"]}
            for r in rows]


def register(cfg):
    """Answer townships' `meeting.list` and `meeting.join` live requests (at the county node)."""
    live = live_for(cfg)

    def reply(m, **body):
        live.send(m["origin"], dict(body, kind="meeting.reply", pid=str(m.get("pid", ""))))

    def on_list(m):
        conn = open_db(cfg)
        try:
            reply(m, meetings=listing(cfg, conn, m["origin"]), configured=configured(cfg))
        finally:
            conn.close()

    def on_join(m):
        conn = open_db(cfg)
        try:
            meeting = meeting_store.get(conn, str(m.get("meeting", "")))
            if meeting is None:
                raise NotFound("没有这个会议 / no such meeting")
            reply(m, url=join_url(cfg, meeting, f"{m['origin']}/{m.get('user', '')}", str(m.get("label", ""))[:60]))
        except (NotFound, Forbidden, ConfigError) as exc:
            reply(m, error=exc.message, fix=exc.fix or "")
        finally:
            conn.close()

    live.on("meeting.list", on_list)
    live.on("meeting.join", on_join)


def creator(cfg):
    """The function the county's /meetings form calls: (form, user) → a new meeting's id (ValidationError listing problems)."""
    def create(form, user):
        title = (form.get("title") or "").strip()
        when = (form.get("starts_at") or "").strip()
        townships = form.getlist("townships") if hasattr(form, "getlist") else list(form.get("townships") or [])
        conn = open_db(cfg)
        try:
            known = {ln["link"] for ln in sync_status.links(conn) if ln["link"] != "up"}
            problems = {}
            if not title or len(title) > 60 or any(c in title for c in "<>"):
                problems["title"] = "请填写会议名称（60 字以内，不含 < >）"
            try:
                datetime.strptime(when, "%Y-%m-%dT%H:%M")
            except ValueError:
                problems["starts_at"] = "请填写开始时间，例如 2026-12-01T09:30"
            if not townships or set(townships) - known:
                problems["townships"] = "请至少选一个已登记的乡镇"
            if problems:
                raise ValidationError("会议未安排 / the meeting was not arranged", fields=problems,
                                      details=list(problems.values()), fix="correct the fields listed")
            return meeting_store.create(conn, title, when, townships, user["username"])
        finally:
            conn.close()
    return create
