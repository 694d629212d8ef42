"""What the county's and the township's dashboards share: the period asked for, rows with names, the CSV.

The figures themselves are `common.domain.stats` (pure) over sums `common.store.facts` reads; this
module turns a request's arguments into a period, puts the place, department and item names on
the rows (the code stays beside them, for the hover title and for the CSV), and writes the CSV in
the reader's language.
"""
import csv
import io
from datetime import date, timedelta

from flask import Response

from .. import i18n
from ..domain import stats
from ..errors import ValidationError
from ..store import catalog, facts, places
from . import charts as svg

FIRST_YEAR = 2000  # no county's records of this system start earlier
CSV_COLUMNS = ("key", "name", "received", "accepted", "completed", "on_time", "early", "on_time_rate", "early_rate",
               "avg_working_days", "rated", "bad", "satisfaction_rate", "ranked")
# The CSV's header for each column (the name column is headed by the grouping: 部门, 村 …).
CSV_HEADERS = {"key": "dash.code", "received": "dash.received", "accepted": "dash.accepted",
               "completed": "dash.completed", "on_time": "dash.on_time", "early": "dash.early",
               "on_time_rate": "dash.on_time_rate", "early_rate": "dash.early_rate", "avg_working_days": "dash.avg_days",
               "rated": "dash.rated", "bad": "dash.bad_n", "satisfaction_rate": "dash.satisfaction",
               "ranked": "dash.ranked"}


def period(args, today):
    """{choice, start, end, prev_start, prev_end, group, min_sample} from query ARGS on TODAY.

    `period` picks one of stats.PERIODS (default: this month, against the whole previous month);
    `from`/`to` alone make a custom period. ValidationError, with the fix, for anything malformed.
    """
    choice = args.get("period") or None
    try:
        start = date.fromisoformat(args["from"]) if args.get("from") and choice in (None, "custom") else None
        end = date.fromisoformat(args["to"]) if args.get("to") and choice in (None, "custom") else None
        min_sample = int(args.get("min_sample") or stats.MIN_SAMPLE)
        if (start and start.year < FIRST_YEAR) or (end and end > today + timedelta(days=366)):
            raise OverflowError  # checked before the comparison period is counted back from it
        chosen = stats.choose_period(today, choice, start, end)
    except OverflowError:
        raise ValidationError(f"时间段须在 {FIRST_YEAR} 年至明年之间 / the period must lie between {FIRST_YEAR} and next year",
                              fix="e.g. ?from=2026-01-01&to=2026-12-31") from None
    except ValueError:
        raise ValidationError("日期须为 YYYY-MM-DD，期间须为 month、last_month、quarter、year 或 custom，最小样本须为整数"
                              " / dates as YYYY-MM-DD, period one of month, last_month, quarter, year, custom, "
                              "min_sample a whole number",
                              fix="e.g. ?period=last_month or ?from=2026-01-01&to=2026-03-31&group=department") from None
    group = args.get("group") or "department"
    if chosen["start"].year < FIRST_YEAR or chosen["end"] > today + timedelta(days=366):
        raise ValidationError(f"时间段须在 {FIRST_YEAR} 年至明年之间 / the period must lie between {FIRST_YEAR} and next year",
                              fix="e.g. ?from=2026-01-01&to=2026-12-31")
    if group not in stats.GROUPS or chosen["end"] < chosen["start"] or not 1 <= min_sample <= 10000:
        raise ValidationError("分组或时间段无效 / bad group or period",
                              fix=f"group: {', '.join(stats.GROUPS)}; from ≤ to; min_sample 1–10000")
    return dict(chosen, group=group, min_sample=min_sample)


def names_for(conn, group, lang="zh"):
    """{code: name} of GROUP's keys as this node knows them: departments and items from the catalog,
    townships and villages from the place names the network has told it."""
    if group == "department":
        return {d["code"]: i18n.local(d, "name", lang) for d in catalog.departments(conn)}
    if group == "item":
        return {i["code"]: i18n.local(i, "name", lang) for i in catalog.items(conn)}
    return places.names(conn)


def name_rows(rows, names):
    """ROWS with `name` set from NAMES ({key: name}); a key nobody named keeps its code as its name."""
    for r in rows:
        r["name"] = names.get(r["key"]) or r["key"]
    return rows


# What makes a spreadsheet program read a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_table(rows, group, lang):
    """The CSV's lines for ROWS of GROUP: a header in LANG, then each row (booleans 是/否 or yes/no, no value empty)."""
    header = [i18n.translate(f"dash.group.{group}", lang) if c == "name" else i18n.translate(CSV_HEADERS[c], lang)
              for c in CSV_COLUMNS]
    header = [h[:1].upper() + h[1:] for h in header]  # a column heading, though the cards say "12 received"
    yes, no = i18n.translate("dash.yes", lang), i18n.translate("dash.no", lang)

    def cell(value):
        if isinstance(value, bool):
            return yes if value else no
        if isinstance(value, str) and value[:1] in FORMULA_STARTS:
            return "'" + value  # shown as text, never run as a formula (names come from other nodes and the catalog)
        return "" if value is None else value
    return [header] + [[cell(r.get(c)) for c in CSV_COLUMNS] for r in rows]


def csv_response(rows, group, lang, filename):
    """ROWS as a CSV download named FILENAME (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out).writerows(csv_table(rows, group, lang))
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={filename}"})


def totals_of(conn, start, end, min_sample, keep=None, rows=None):
    """The totals of [START, END] over every item (or those KEEP(code) accepts), so they are the same
    whatever grouping the table shows (a village grouping leaves out walk-ins; items never do).
    ROWS: the item rows of that period when the caller has them already."""
    if rows is None:
        rows = stats.finish(facts.figures(conn, start, end, "item", every_key=False).values(), min_sample)
    return stats.totals([r for r in rows if keep is None or keep(r["key"])])


def trend(conn, start, end):
    """Received and completed per day, week or month of [START, END] (the trend chart's columns),
    from FIRST_YEAR at the earliest (an all-time period's comparison reaches back before any record)."""
    start = max(start, date(FIRST_YEAR, 1, 1))
    return stats.trend_of(*facts.daily(conn, start, end, stats.bucket_size(start, end) == "month"), start, end)


QUERY_KEYS = ("period", "from", "to", "group", "min_sample")  # what a dashboard's address may carry


def query_of(args):
    """The dashboard query ARGS keeps for its own links (CSV, periods): only QUERY_KEYS, as text — any
    other argument (endpoint=, _method=) would be taken by url_for as its own."""
    return {k: str(args[k])[:40] for k in QUERY_KEYS if args.get(k)}


def period_links(args, chosen):
    """[(choice, query args, current?)] for the period choices above a dashboard, keeping ARGS' grouping."""
    keep = {k: args[k] for k in ("group", "min_sample") if args.get(k)}
    return [(c, dict(keep, period=c), c == chosen) for c in stats.PERIODS if c != "custom"]


def charts(rows, trend_rows, language):
    """The dashboard's SVG charts in LANGUAGE: on-time and early rates of the ranked ROWS, and the trend."""

    def t(key):
        return i18n.translate(key, language)
    ranked = [r for r in rows if r["ranked"]]
    return {"on_time": svg.bar_chart(ranked, "on_time_rate", t("dash.on_time_rate")),
            "early": svg.bar_chart(ranked, "early_rate", t("dash.early_rate"), colour=svg.GREEN),
            "volume": svg.column_chart(trend_rows, [("received", t("dash.received"), svg.BLUE),
                                                    ("completed", t("dash.completed"), svg.GREEN)],
                                       t("dash.chart_volume"))}
