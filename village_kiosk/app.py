"""The village node's Flask app factory: the kiosk at / for villagers, the clerk's pages behind sign-in."""
from flask import redirect, url_for

from common.web import authenticated, build_app, public
from common.web.home import home_blueprint


def create_app(config):
    """The village node's web app for CONFIG (a Config or a data folder path)."""
    from .kiosk import kiosk_blueprint
    from .status import status_blueprint
    from .tier import TIER
    app = build_app(config, TIER)
    # The kiosk's browser opens the node's own address: that is the villagers' start screen.
    app.register_blueprint(home_blueprint(authenticated, url_prefix="/clerk"))
    app.register_blueprint(kiosk_blueprint())
    app.register_blueprint(status_blueprint())

    @app.get("/")
    @public
    def root():
        """The kiosk start screen."""
        return redirect(url_for("kiosk.start"))

    return app
