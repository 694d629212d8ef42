"""The county dashboard: performance by department, township, village or item over a period, the network, CSV.

Figures come from `common.domain.stats` (pure) through `common.web.figures` (the period, names, CSV),
which the township's dashboard shares; charts are SVG drawn by `common.web.charts`; the network is the county's
own links to its townships and, below them, the villages' links as each township reports them on
its heartbeats (with how old that report is).
"""
from flask import Blueprint, current_app, render_template, request

from common import clock as business_clock
from common.domain import stats
from common.roles import COORDINATORS, DASHBOARD_VIEWERS
from common.store import facts, sync_status
from common.store.outbox import UP
from common.web import api, figures, get_db, lang, roles

from .consult_hub import hub_for
from . import external_store, sms_store


def compute(conn, args, language="zh"):
    """The dashboard's figures for query ARGS: {rows, totals, previous, period, trend, ratings, voice}.

    `rows` are the chosen grouping's, named; `totals` the period's over every item and `previous` the
    comparison period's (the whole previous month by default); `trend` runs across both periods;
    `ratings` holds the ratings of the period by office (window or deciding node) and by staff member.
    """
    today = business_clock.today(current_app.config["SANJI"])
    p = figures.period(args, today)
    start, end, group, min_sample = p["start"], p["end"], p["group"], p["min_sample"]
    rows = figures.name_rows(stats.finish(facts.figures(conn, start, end, group).values(), min_sample),
                             figures.names_for(conn, group, language))
    return {"rows": rows, "period": p, "group": group, "min_sample": min_sample, "start": start, "end": end,
            "totals": figures.totals_of(conn, start, end, min_sample, rows=rows if group == "item" else None),
            "previous": figures.totals_of(conn, p["prev_start"], p["prev_end"], min_sample),
            "trend": figures.trend(conn, p["prev_start"], end),
            "ratings": {by: stats.finish_ratings(facts.rating_figures(conn, start, end, by).values(), min_sample)
                        for by in stats.RATING_GROUPS},
            "voice": stats.finish_voice(facts.voice(conn, start, end, today))}


# The `dashboard` blueprint: /dashboard, /dashboard.csv and /api/v1/dashboard.
bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.get("/dashboard")
@roles(*DASHBOARD_VIEWERS)
def page():
    """Figures, charts (on-time and early rates per group, volumes per period), and the network."""
    conn = get_db()
    f = compute(conn, request.args, lang())
    rows, trend = f["rows"], f["trend"]
    charts = figures.charts(rows, trend, lang())
    status = sync_status.status(conn)
    links = [ln for ln in status["links"] if ln["link"] != UP]
    outside = external_store.health(conn) if current_app.config["SANJI"]["approval_url"] else None
    texts = sms_store.health(conn) if current_app.config["SANJI"]["sms_gateway"] else None
    consults = hub_for(current_app.config["SANJI"]).snapshot()
    return render_template("county/dashboard.html", rows=rows, total=f["totals"], previous=f["previous"],
                           period=f["period"], start=f["start"], end=f["end"], group=f["group"],
                           consults=consults, min_sample=f["min_sample"], charts=charts, trend=trend,
                           links=links, groups=stats.GROUPS, outside=outside, query=figures.query_of(request.args),
                           choices=figures.period_links(
                               request.args, f["period"]["choice"]),
                           subtree=status["subtree"], ratings=f["ratings"], voice=f["voice"], texts=texts)


@bp.get("/dashboard.csv")
@roles(*DASHBOARD_VIEWERS)
def csv_export():
    """The same figures as CSV in the page's language (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    f = compute(get_db(), request.args, lang())
    return figures.csv_response(f["rows"], f["group"], lang(), f"sanji-{f['group']}-{f['start']}-{f['end']}.csv")


@bp.get("/api/v1/consults/status")
@roles(*COORDINATORS)
@api("Live consults now: staff consoles present (available, paused, busy) and open sessions", tag="consults")
def consults_status():
    """JSON: the hub's presence and open consults."""
    return hub_for(current_app.config["SANJI"]).snapshot()


@bp.get("/api/v1/dashboard")
@roles(*DASHBOARD_VIEWERS)
@api("Performance figures over a period, grouped, with the previous period's totals", tag="dashboard",
     query={"period": "month (default), last_month, quarter, year or custom",
            "from": "YYYY-MM-DD (custom; default: first of this month)", "to": "YYYY-MM-DD (custom; default: today)",
            "group": "department, township, village or item", "min_sample": "completed cases before ranking"})
def api_figures():
    """JSON: rows and totals."""
    f = compute(get_db(), request.args, lang())
    p = f["period"]
    return {"period": p["choice"], "from": p["start"].isoformat(), "to": p["end"].isoformat(),
            "group": f["group"], "min_sample": f["min_sample"], "rows": f["rows"], "totals": f["totals"],
            "previous": {"from": p["prev_start"].isoformat(), "to": p["prev_end"].isoformat(), "totals": f["previous"]},
            "ratings": f["ratings"], "voice": f["voice"],
            "trend": {"bucket": stats.bucket_size(p["prev_start"], p["end"]), "periods": f["trend"]}}
