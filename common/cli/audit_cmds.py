"""sanji audit verify: check the append-only, hash-chained audit trail."""
import click

from ..store import audit as audit_store
from .options import data_option, open_for_cli


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(audit)


@click.group()
def audit():
    """The append-only audit trail."""


@audit.command("verify")
@data_option
def audit_verify(data_dir):
    """Check the audit hash chain; names the first broken record."""
    _, conn = open_for_cli(data_dir)
    ok, count, problem = audit_store.verify(conn)
    if ok:
        click.echo(f"审计链完整 / audit chain intact: {count} records")
        return
    click.echo(f"审计链被破坏 / audit chain broken after {count} records: {problem}", err=True)
    raise SystemExit(7)
