"""The county node's Flask app factory: department queues, supervision, casework, node enrolment."""
from common.roles import COUNTY_CASEWORKERS, COUNTY_CONSOLE
from common.web import build_app
from common.web.cases import cases_blueprint
from common.web.meeting_views import meetings_blueprint
from common.web.notice_views import bp as notices_blueprint
from sync.quarantine_web import quarantine_blueprint
from sync.web import bp as nodes_blueprint

from . import meetings
from .admin import bp as admin_blueprint
from .catalog_admin import bp as catalog_items_blueprint
from .consult_hub import hub_for
from .console import bp as console_blueprint
from .dashboard import bp as dashboard_blueprint
from .sms_views import bp as sms_blueprint
from .supervision_views import bp as supervision_views_blueprint
from .urge import case_extras


def create_app(config):
    """The county node's web app for CONFIG (a Config or a data folder path)."""
    app = build_app(config)
    app.register_blueprint(console_blueprint)
    app.register_blueprint(cases_blueprint(COUNTY_CONSOLE, COUNTY_CASEWORKERS, extras=case_extras))
    app.register_blueprint(supervision_views_blueprint)
    app.register_blueprint(dashboard_blueprint)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(catalog_items_blueprint)
    app.register_blueprint(nodes_blueprint)  # enrolment of child nodes, link status
    app.register_blueprint(quarantine_blueprint())  # what could not be applied: retry or drop
    hub_for(app.config["SANJI"])  # the consult broker's live handlers (its ticker runs as a component)
    meetings.register(app.config["SANJI"])
    app.register_blueprint(meetings_blueprint(create=meetings.creator(app.config["SANJI"])))
    app.register_blueprint(notices_blueprint)  # public notices published here, sent down to the kiosks
    app.register_blueprint(sms_blueprint)
    return app
