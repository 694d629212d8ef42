"""sanji backup / restore: the node's database copied while it runs, and put back while it is stopped."""
import click

from .. import config as config_mod
from ..node import backup, restore
from .options import data_option


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(backup_cmd)
    cli.add_command(restore_cmd)


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@data_option
def backup_cmd(target, data_dir):
    """Copy the node's database to TARGET while it runs (SQLite online backup)."""
    cfg = config_mod.load(data_dir)
    backup(cfg, target)
    click.echo(f"已备份到 {target} / backed up")


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@data_option
def restore_cmd(source, yes, data_dir):
    """Replace the (stopped) node's database with a backup; children re-offer what it lacks."""
    cfg = config_mod.load(data_dir)
    if not yes:
        click.confirm(f"用 {source} 替换 {cfg.db_path}？/ replace the database?", abort=True)
    epoch = restore(cfg, source)
    click.echo(f"已恢复，新纪元 {epoch}；子节点重连后会补发 / restored, new epoch {epoch}")
