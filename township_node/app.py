"""The township node's Flask app factory: the window console, its JSON API, and the villages' enrolment."""
from common.roles import TOWNSHIP_CASEWORKERS, TOWNSHIP_CONSOLE
from common.web import build_app
from common.web.cases import cases_blueprint
from common.web.meeting_views import meetings_blueprint
from common.web.notice_views import bp as notices_blueprint
from sync.quarantine_web import quarantine_blueprint
from sync.web import bp as nodes_blueprint

from . import appointments
from .api import bp as api_blueprint
from .appointment_views import bp as appointments_blueprint
from .dashboard import bp as dashboard_blueprint
from .window import bp as window_blueprint


def create_app(config):
    """The township node's web app for CONFIG (a Config or a data folder path)."""
    app = build_app(config)
    app.register_blueprint(window_blueprint)
    app.register_blueprint(cases_blueprint(TOWNSHIP_CONSOLE, TOWNSHIP_CASEWORKERS))
    app.register_blueprint(api_blueprint)
    app.register_blueprint(nodes_blueprint)  # enrolment of child nodes, link status
    app.register_blueprint(quarantine_blueprint())  # what could not be applied: retry or drop
    app.register_blueprint(meetings_blueprint())  # meetings the county arranged, joined through the hub
    app.register_blueprint(notices_blueprint)  # public notices published here, sent down to the kiosks
    appointments.register(app.config["SANJI"])  # the kiosks book visits here, from this township's book
    app.register_blueprint(appointments_blueprint)
    app.register_blueprint(dashboard_blueprint)  # the township head's figures (its items, its villages)
    return app
