"""The county node's Flask app factory."""
from flask import Blueprint

from common.web import build_app, authenticated
from common.web.home import render_home

bp = Blueprint("tier", __name__)


@bp.get("/")
@authenticated
def home():
    """The node overview: identity, applications by state, the catalog."""
    return render_home()


def create_app(config):
    """The county node's web app for CONFIG (a Config or a data folder path)."""
    from .tier import TIER
    app = build_app(config, TIER)
    app.register_blueprint(bp)
    return app
