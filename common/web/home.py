"""The node overview page the tiers share until each grows its own console."""
from flask import render_template

from ..domain.application import label
from ..store import catalog
from .app import get_db


def render_home(template="home.html"):
    """Render the overview: node identity, application counts by state, the catalog."""
    conn = get_db()
    counts = conn.execute("SELECT state, COUNT(*) FROM applications GROUP BY state ORDER BY state").fetchall()
    return render_template(template, counts=[tuple(r) for r in counts], items=catalog.items(conn),
                           catalog_version=catalog.current_version(conn),
                           dept_names={d["code"]: d["name"] for d in catalog.departments(conn)}, state_label=label)


def home_blueprint(access, url_prefix=None):
    """A `tier` blueprint whose `/` (under URL_PREFIX) is the overview, guarded by ACCESS (e.g. `authenticated`)."""
    from flask import Blueprint

    bp = Blueprint("tier", __name__, url_prefix=url_prefix)

    @bp.get("/")
    @access
    def home():
        """The node overview: identity, applications by state, the catalog."""
        return render_home()

    return bp
