"""The web base every tier's Flask app is built on."""
from .access import authenticated, public, roles  # noqa: F401
from .app import build_app  # noqa: F401
from .context import csrf_token, get_db, lang  # noqa: F401
from .openapi import api  # noqa: F401
