"""sanji sync status / quarantine list / show / retry / drop: the sync links and what they could not apply."""
import json

import click

from sync import quarantine

from ..node import shared_clock
from ..store import sync_status
from .options import data_option, echo_json, json_option, open_for_cli


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(sync_group)


@click.group("sync")
def sync_group():
    """The sync links."""


@sync_group.command("status")
@data_option
@json_option
def sync_status_cmd(data_dir, as_json):
    """Link state, queue depths, oldest pending message, quarantine and byte rates."""
    _, conn = open_for_cli(data_dir)
    st = sync_status.status(conn)
    if as_json:
        return echo_json(st)
    for ln in st["links"]:
        click.echo(f"{ln['peer']:<13} {ln['state']:<5} since {ln['since'] or '-'}  out {ln['queue_out']:>6}"
                   f"  in {ln['queue_in']:>6}  oldest {ln['oldest_pending_age_s'] or 0:>7}s"
                   f"  {ln['bytes_per_s_out']:.0f} B/s out {ln['bytes_per_s_in']:.0f} B/s in")
    click.echo(f"quarantined {st['quarantined']}  refusals (24h) {st['refusals_24h']}  "
               f"pending enrolments {st['pending_enrolments']}  refused by the parent {st['refused_by_parent']}")
    for a in st["alarms"]:
        click.echo(f"ALARM {a['link']}: {a['alarm']} since {a['since']}: {a['detail']}")
    for h in st["held"]:
        click.echo(f"held from {h['link']}: {h['count']} event(s) waiting for their application,"
                   f" oldest {h['oldest_age_s'] or 0:.0f}s")


@sync_group.group("quarantine")
def quarantine_group():
    """Messages that could not be applied: list, show, retry, drop (audited)."""


@quarantine_group.command("list")
@data_option
@json_option
def quarantine_list(data_dir, as_json):
    """The newest quarantined messages with why."""
    _, conn = open_for_cli(data_dir)
    rows = quarantine.listing(conn)
    if as_json:
        return echo_json(rows)
    for r in rows:
        click.echo(f"{r['id']:>6}  {r['at'][:19]}  from {r['link']:<13} {r['kind']:<8} {r['msg_id'][:40]:<40}"
                   f"  {r['reason'][:120]}")
    if not rows:
        click.echo("nothing is quarantined")


@quarantine_group.command("show")
@click.argument("qid", type=int)
@data_option
def quarantine_show(qid, data_dir):
    """One quarantined message, its body decoded."""
    _, conn = open_for_cli(data_dir)
    click.echo(json.dumps(quarantine.show(conn, qid), ensure_ascii=False, indent=2, default=repr))


@quarantine_group.command("retry")
@click.argument("qid", type=int)
@data_option
def quarantine_retry(qid, data_dir):
    """Apply a quarantined message again (with every check it met the first time)."""
    cfg, conn = open_for_cli(data_dir)
    quarantine.retry(conn, cfg["code"], shared_clock(conn, cfg), qid, "cli")
    click.echo(f"{qid}: applied")


@quarantine_group.command("drop")
@click.argument("qid", type=int)
@data_option
def quarantine_drop(qid, data_dir):
    """Remove a quarantined message for good."""
    _, conn = open_for_cli(data_dir)
    quarantine.drop(conn, qid, "cli")
    click.echo(f"{qid}: dropped")
