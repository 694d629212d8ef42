"""The county node's Flask app factory."""
from common.web import authenticated, build_app
from common.web.home import home_blueprint
from sync.web import bp as nodes_blueprint


def create_app(config):
    """The county node's web app for CONFIG (a Config or a data folder path)."""
    from .tier import TIER
    app = build_app(config, TIER)
    app.register_blueprint(home_blueprint(authenticated))  # staff only until the county console arrives (issue 6)
    app.register_blueprint(nodes_blueprint)  # enrolment of child nodes, link status
    return app
