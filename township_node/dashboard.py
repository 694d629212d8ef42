"""The township head's dashboard (issue 20.14): the items this township decides and its villages, over a period.

The township records the facts of every case it holds (`app_facts`, kept with the projection on
every tier), so its figures are the county's sums over its own database: the same period choices,
the same pure `common.domain.stats` and `common.web.figures`, never a copy of them. The totals count
the items the catalog says a township decides; the village table counts every application the
villages sent, county items included, which the page says.
"""
from flask import Blueprint, current_app, render_template, request

from common import clock as business_clock
from common.domain import stats
from common.roles import HEADS
from common.domain.nodes import is_child
from common.errors import NotFound
from common.store import catalog, facts
from common.web import figures, get_db, lang, roles

TABLES = ("items", "villages")


def decided_here(conn):
    """The codes of the catalog items a township decides (the ones its head answers for)."""
    return {i["code"] for i in catalog.items(conn) if i.get("decide_tier") == "township"}


def compute(conn, args, me, language="zh"):
    """{period, items, villages, totals, previous, trend, min_sample} for query ARGS at township ME."""
    today = business_clock.today(current_app.config["SANJI"])
    p = figures.period(args, today)
    start, end, min_sample = p["start"], p["end"], p["min_sample"]
    mine = decided_here(conn)
    every_item = stats.finish(facts.figures(conn, start, end, "item").values(), min_sample)
    items = figures.name_rows([r for r in every_item if r["key"] in mine], figures.names_for(conn, "item", language))
    villages = figures.name_rows([r for r in stats.finish(facts.figures(conn, start, end, "village").values(), min_sample)
                                  if is_child(r["key"], me)], figures.names_for(conn, "village"))
    return {"period": p, "min_sample": min_sample, "items": items, "villages": villages,
            "totals": figures.totals_of(conn, start, end, min_sample, keep=mine.__contains__, rows=every_item),
            "previous": figures.totals_of(conn, p["prev_start"], p["prev_end"], min_sample, keep=mine.__contains__),
            "trend": figures.trend(conn, p["prev_start"], end)}


# The `dashboard` blueprint: /dashboard and /dashboard.csv, for the township head.
bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.get("/dashboard")
@roles(HEADS["township"])
def page():
    """The township's figures: totals against the comparison period, the trend, items and villages."""
    me = current_app.config["SANJI"]["code"]
    f = compute(get_db(), request.args, me, lang())
    charts = figures.charts(f["items"], f["trend"], lang())
    return render_template("window/dashboard.html", f=f, period=f["period"], charts=charts,
                           query=figures.query_of(request.args), choices=figures.period_links(request.args, f["period"]["choice"]))


@bp.get("/dashboard.csv")
@roles(HEADS["township"])
def csv_export():
    """One of the page's tables (`table`: items or villages) as CSV in the page's language."""
    table = request.args.get("table") or "items"
    if table not in TABLES:
        raise NotFound(f"没有名为 {table[:20]!r} 的表 / no such table",
                       fix=f"table is one of: {', '.join(TABLES)}")
    me = current_app.config["SANJI"]["code"]
    f = compute(get_db(), request.args, me, lang())
    group = "item" if table == "items" else "village"
    p = f["period"]
    return figures.csv_response(f[table], group, lang(), f"sanji-{me}-{table}-{p['start']}-{p['end']}.csv")
