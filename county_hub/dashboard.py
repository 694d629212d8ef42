"""The county dashboard: performance by department, township, village or item over a period, the network, CSV.

Figures come from `stats` (pure); charts are SVG drawn by the hub; the network is the county's
own links to its townships and, below them, the villages' links as each township reports them on
its heartbeats (with how old that report is).
"""
import csv
import io
from datetime import date, timedelta

from flask import Blueprint, Response, current_app, render_template, request

from common import clock as business_clock
from common.errors import ValidationError
from common.store import catalog, facts, sync_status
from common.store.outbox import UP
from common.web import api, get_db, roles

from . import charts as charts_mod
from .consult_hub import hub_for
from . import external_store, sms_store, stats

VIEWERS = ("supervisor", "admin", "county_approver", "county_reviewer")
CSV_COLUMNS = ("key", "name", "received", "accepted", "completed", "on_time", "early", "on_time_rate", "early_rate",
               "avg_working_days", "rated", "bad", "satisfaction_rate", "ranked")


FIRST_YEAR = 2000  # no county's records of this system start earlier


def period(args):
    """(start, end, group, min_sample) from query ARGS; the current month by default."""
    today = business_clock.today(current_app.config["SANJI"])
    try:
        start = date.fromisoformat(args.get("from") or today.replace(day=1).isoformat())
        end = date.fromisoformat(args.get("to") or today.isoformat())
        min_sample = int(args.get("min_sample") or stats.MIN_SAMPLE)
    except ValueError:
        raise ValidationError("日期须为 YYYY-MM-DD，最小样本须为整数 / dates as YYYY-MM-DD, min_sample a whole number",
                              fix="e.g. ?from=2026-01-01&to=2026-03-31&group=department") from None
    group = args.get("group") or "department"
    if start.year < FIRST_YEAR or end > today + timedelta(days=366):
        raise ValidationError(f"时间段须在 {FIRST_YEAR} 年至明年之间 / the period must lie between {FIRST_YEAR} and next year",
                              fix="e.g. ?from=2026-01-01&to=2026-12-31")
    if group not in stats.GROUPS or end < start or not 1 <= min_sample <= 10000:
        raise ValidationError("分组或时间段无效 / bad group or period",
                              fix=f"group: {', '.join(stats.GROUPS)}; from ≤ to; min_sample 1–10000")
    return start, end, group, min_sample


def compute(conn, args):
    """The dashboard's figures for query ARGS: {rows, totals, start, end, group, min_sample, trend, ratings}.

    `ratings` holds the ratings of the period by office (window or deciding node) and by staff member.
    """
    start, end, group, min_sample = period(args)
    today = business_clock.today(current_app.config["SANJI"])
    rows = stats.finish(facts.figures(conn, start, end, group).values(), min_sample)
    names = {d["code"]: d["name"] for d in catalog.departments(conn)} if group == "department" else \
        {i["code"]: i["name"] for i in catalog.items(conn)} if group == "item" else {}
    for r in rows:
        r["name"] = names.get(r["key"], r["key"])
    return {"rows": rows, "totals": stats.totals(rows), "start": start, "end": end, "group": group,
            "min_sample": min_sample, "trend": stats.trend_of(*facts.daily(conn, start, end, stats.bucket_size(start, end) == "month"),
                                    start, end),
            "ratings": {by: stats.finish_ratings(facts.rating_figures(conn, start, end, by).values(), min_sample)
                        for by in stats.RATING_GROUPS},
            "voice": stats.finish_voice(facts.voice(conn, start, end, today))}


def dashboard_blueprint():
    """The `dashboard` blueprint: /dashboard, /dashboard.csv and /api/v1/dashboard."""
    bp = Blueprint("dashboard", __name__, template_folder="templates")

    @bp.get("/dashboard")
    @roles(*VIEWERS)
    def page():
        """Figures, charts (on-time and early rates per group, volumes per period), and the network."""
        conn = get_db()
        f = compute(conn, request.args)
        rows, trend = f["rows"], f["trend"]
        ranked = [r for r in rows if r["ranked"]]
        charts = {
            "on_time": charts_mod.bar_chart(ranked, "on_time_rate", lambda r: r["name"][:10], "按期办结率 / on-time rate"),
            "early": charts_mod.bar_chart(ranked, "early_rate", lambda r: r["name"][:10], "提前办结率 / early-completion rate",
                                          colour=charts_mod.GREEN),
            "volume": charts_mod.column_chart(trend, [("received", "收件 received", charts_mod.BLUE),
                                                      ("completed", "办结 completed", charts_mod.GREEN)],
                                              "收件与办结 / received and completed"),
        }
        status = sync_status.status(conn)
        links = [ln for ln in status["links"] if ln["link"] != UP]
        outside = external_store.health(conn) if current_app.config["SANJI"]["approval_url"] else None
        texts = sms_store.health(conn) if current_app.config["SANJI"]["sms_gateway"] else None
        consults = hub_for(current_app.config["SANJI"]).snapshot()
        return render_template("county/dashboard.html", rows=rows, total=f["totals"], start=f["start"], end=f["end"],
                               group=f["group"], consults=consults, min_sample=f["min_sample"], charts=charts,
                               trend=trend, links=links, groups=stats.GROUPS, outside=outside,
                               subtree=status["subtree"], ratings=f["ratings"], voice=f["voice"], texts=texts)

    @bp.get("/dashboard.csv")
    @roles(*VIEWERS)
    def csv_export():
        """The same figures as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese names)."""
        f = compute(get_db(), request.args)
        rows, start, end, group = f["rows"], f["start"], f["end"], f["group"]
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f"attachment; filename=sanji-{group}-{start}-{end}.csv"})

    @bp.get("/api/v1/consults/status")
    @roles("supervisor", "admin", "county_reviewer")
    @api("Live consults now: staff consoles present (available, paused, busy) and open sessions", tag="consults")
    def consults_status():
        """JSON: the hub's presence and open consults."""
        return hub_for(current_app.config["SANJI"]).snapshot()

    @bp.get("/api/v1/dashboard")
    @roles(*VIEWERS)
    @api("Performance figures over a period, grouped", tag="dashboard",
         query={"from": "YYYY-MM-DD (default: first of this month)", "to": "YYYY-MM-DD (default: today)",
                "group": "department, township, village or item", "min_sample": "completed cases before ranking"})
    def api_figures():
        """JSON: rows and totals."""
        f = compute(get_db(), request.args)
        start, end = f["start"], f["end"]
        return {"from": start.isoformat(), "to": end.isoformat(), "group": f["group"], "min_sample": f["min_sample"],
                "rows": f["rows"], "totals": f["totals"], "ratings": f["ratings"], "voice": f["voice"],
                "trend": {"bucket": stats.bucket_size(start, end), "periods": f["trend"]}}

    return bp
