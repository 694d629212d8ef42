"""sanji calendar show / add-holiday / add-workday / remove / publish (the changes: common/usecases/calendar.py)."""
from datetime import date, timedelta

import click

from ..store import calendar as store
from ..usecases import calendar as usecase
from .options import data_option, open_for_cli


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(calendar)


@click.group()
def calendar():
    """The working-day calendar: holidays and make-up workdays (调休); each change is audited and sent down."""


@calendar.command("show")
@click.argument("year", type=click.IntRange(2000, 2100))
@data_option
def show(year, data_dir):
    """List YEAR's holidays and make-up workdays and its working-day count."""
    _, conn = open_for_cli(data_dir)
    cal = store.load(conn)
    status = "已公布 published" if store.is_published(conn, year) else "暂定 provisional (weekends only)"
    total = sum(cal.is_workday(date(year, 1, 1) + timedelta(days=i)) for i in range(366 if year % 4 == 0 else 365))
    click.echo(f"{year}: {status}; {total} working days")
    for row in store.days_of_year(conn, year):
        kind = "休 holiday" if row["kind"] == "holiday" else "班 workday"
        click.echo(f"  {row['day']}  {kind}  {row['name']}  ({row['source']})")


def _edit_day(data_dir, day, kind, name, said):
    cfg, conn = open_for_cli(data_dir)
    usecase.edit_day(conn, cfg["code"], "cli", day, kind, name)
    click.echo(f"{day} {said}")


@calendar.command("add-holiday")
@click.argument("day")
@click.option("--name", default="", help="e.g. 国庆节")
@data_option
def add_holiday(day, name, data_dir):
    """Make DAY (YYYY-MM-DD) a holiday."""
    _edit_day(data_dir, day, "holiday", name, "设为休息日 / is now a holiday")


@calendar.command("add-workday")
@click.argument("day")
@click.option("--name", default="", help="e.g. 国庆节调休")
@data_option
def add_workday(day, name, data_dir):
    """Make DAY (YYYY-MM-DD) a working day (调休上班)."""
    _edit_day(data_dir, day, "workday", name, "设为工作日 / is now a working day")


@calendar.command("remove")
@click.argument("day")
@data_option
def remove(day, data_dir):
    """Drop DAY's exception, so the Monday–Friday rule applies."""
    _edit_day(data_dir, day, "remove", "", "恢复按星期计算 / follows the weekday rule again")


@calendar.command("publish")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--undo", is_flag=True, help="mark the year provisional again")
@data_option
def publish(year, undo, data_dir):
    """Mark YEAR's schedule as published once its holidays are entered."""
    cfg, conn = open_for_cli(data_dir)
    usecase.set_published(conn, cfg["code"], "cli", year, not undo)
    click.echo(f"{year}: {'provisional' if undo else 'published'}")
