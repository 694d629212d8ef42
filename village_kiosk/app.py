"""The village node's Flask app factory: the kiosk at / for villagers, the clerk's console behind sign-in."""
from flask import redirect, url_for

from common.web import build_app, public
from sync.quarantine_web import quarantine_blueprint

from . import card_reader, speech
from .api import bp as api_blueprint
from .appointment import bp as appointment_blueprint
from .apply import bp as apply_blueprint
from .clerk import bp as clerk_blueprint
from .kiosk import bp as kiosk_blueprint
from .notices import bp as notices_blueprint
from .rating import bp as rating_blueprint
from .said import promise_text
from .status import bp as status_blueprint


def create_app(config):
    """The village node's web app for CONFIG (a Config or a data folder path)."""
    app = build_app(config)
    app.config["SANJI_ERROR_PAGES"] = {"/kiosk": "kiosk/error.html"}
    card_reader.check_setting(app.config["SANJI"])  # a bad driver setting stops the node at start, with the fix
    speech.engine(app.config["SANJI"])  # and so does a bad voice setting
    app.jinja_env.globals["promise"] = promise_text  # an item's time limit in words, on every kiosk page
    # The kiosk's browser opens the node's own address: that is the villagers' start screen.
    app.register_blueprint(clerk_blueprint)
    app.register_blueprint(kiosk_blueprint)
    app.register_blueprint(apply_blueprint)
    app.register_blueprint(status_blueprint)
    app.register_blueprint(appointment_blueprint)
    app.register_blueprint(rating_blueprint)
    app.register_blueprint(notices_blueprint)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(quarantine_blueprint())  # what could not be applied from the parent: retry or drop

    @app.get("/")
    @public
    def root():
        """The kiosk start screen."""
        return redirect(url_for("kiosk.start"))

    return app
