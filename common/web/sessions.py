"""Server-side sessions in the node's SQLite: random token in an HttpOnly cookie, hash in the table.

Idle and absolute timeouts are checked on every request; login issues a new token; logout
deletes the row, so a copied cookie dies with it.
"""
import json
import secrets
from datetime import datetime, timedelta, timezone

from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from ..store import sessions as store
from ..store.db import now_iso

COOKIE = "sanji_session"
TOUCH_EVERY = timedelta(seconds=60)  # bound the writes made just to record activity


class ServerSession(CallbackDict, SessionMixin):
    """A session dict that knows its token and whether it must be saved, renewed or revoked."""

    def __init__(self, initial=None, token=None, created_at=None, last_seen=None):
        def on_update(_):
            self.modified = True
        super().__init__(initial or {}, on_update)
        self.token, self.created_at, self.last_seen = token, created_at, last_seen
        self.modified, self.renew, self.revoked = False, False, False

    def regenerate(self):
        """Give this session a new token at the next save (call at login)."""
        self.renew = True
        self.modified = True

    def revoke(self):
        """End this session: its row is deleted and the cookie cleared."""
        self.revoked = True
        self.clear()


class ServerSessionInterface(SessionInterface):
    """Flask session interface backed by the node database (see `common.web.app.get_db`)."""

    def __init__(self, get_db, idle, absolute, secure):
        self.get_db, self.idle, self.absolute, self.secure = get_db, idle, absolute, secure

    def open_session(self, app, request):
        """The session of REQUEST's cookie, or a new empty one (expired sessions are deleted)."""
        token = request.cookies.get(COOKIE)
        if not token:
            return ServerSession()
        row = store.get(self.get_db(), token)
        if row is None:
            return ServerSession()
        now = datetime.now(timezone.utc)
        idle_out = now - datetime.fromisoformat(row["last_seen"]) > self.idle
        absolute_out = now - datetime.fromisoformat(row["created_at"]) > self.absolute
        if idle_out or absolute_out:
            store.delete(self.get_db(), token)
            expired = ServerSession()
            expired.expired = True
            return expired
        return ServerSession(json.loads(row["data"]), token, row["created_at"], row["last_seen"])

    def save_session(self, app, session, response):
        """Store the session if it changed (or is due a touch) and set, renew or clear the cookie."""
        conn = self.get_db()
        if session.revoked or (not session and session.token and session.modified):
            if session.token:
                store.delete(conn, session.token)
            response.delete_cookie(COOKIE, path="/")
            return
        if not session:
            return
        now = now_iso()
        stale = session.last_seen and (datetime.fromisoformat(now) - datetime.fromisoformat(session.last_seen)
                                       > TOUCH_EVERY)
        if session.renew or not session.token:
            if session.token:
                store.delete(conn, session.token)
            session.token, session.created_at = secrets.token_urlsafe(32), now
        elif not (session.modified or stale):
            return
        store.save(conn, session.token, session.get("uid"), json.dumps(dict(session)), session.created_at, now)
        response.set_cookie(COOKIE, session.token, httponly=True, samesite="Lax", secure=self.secure, path="/")
