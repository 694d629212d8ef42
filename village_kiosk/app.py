"""The village node's Flask app factory."""
from common.web import public, build_app
from common.web.home import home_blueprint


def create_app(config):
    """The village node's web app for CONFIG (a Config or a data folder path)."""
    from .tier import TIER
    app = build_app(config, TIER)
    app.register_blueprint(home_blueprint(public))
    from .kiosk import kiosk_blueprint
    from .status import status_blueprint
    app.register_blueprint(kiosk_blueprint())
    app.register_blueprint(status_blueprint())
    return app
