"""The request's context, for every view and template: its database connection, its language, its CSRF
token, the tier's home page, and the names of places as this node knows them.

Kept apart from the app factory (common/web/app.py) so that views import these without importing
the factory, and the factory imports its views at the top (flaskr's `db.py` beside `__init__.py`).
"""
import secrets

from flask import current_app, g, request, session, url_for
from markupsafe import Markup

from .. import i18n
from ..store import db, places


def get_db():
    """This request's connection to the node database (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = db.connect(current_app.config["SANJI"].db_path)
    return g.db


def lang():
    """The language of this request: ?lang=, then the session, then the node default."""
    chosen = request.args.get("lang") or session.get("lang")
    return chosen if chosen in i18n.LANGUAGES else current_app.config["SANJI"]["language"]


def csrf_token():
    """This session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def home_url():
    """The address of the staff's home page: the endpoint the tier names as its `home` (common/tiers.py)."""
    return url_for(current_app.config["SANJI_HOME"])


def place_name(code):
    """The name of the place CODE (a county, township or village) as this node knows it, else the code."""
    if "place_names" not in g:
        g.place_names = places.names(get_db())
    return g.place_names.get(str(code or ""), "") or str(code or "")


def place(code):
    """CODE as a page shows a place: its name, with the code on hover (just the code when nobody named it)."""
    name = place_name(code)
    if not code or name == code:
        return code or ""
    return Markup('<span class="place" title="{}">{}</span>').format(code, name)
