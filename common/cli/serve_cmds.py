"""sanji serve: run a node (web UI, JSON API, sync links, scheduler) until it is told to stop."""
import click

from .. import config as config_mod
from ..runtime import serve as run
from ..tiers import load_tier
from .options import data_option


def register(cli):
    """Add this command to the sanji CLI."""
    cli.add_command(serve)


@click.command()
@data_option
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="override web_port")
def serve(data_dir, port):
    """Run the node (web UI and JSON API) until Ctrl-C or SIGTERM."""
    overrides = {"web_port": port} if port is not None else None
    cfg = config_mod.load(data_dir, overrides=overrides)
    tier = load_tier(cfg["tier"])
    if cfg["tier"] != "village" and not int(cfg["sync_port"]):
        click.echo("注意 / note: sync_port 0: no child can link to this node (set sync_port in sanji.toml)", err=True)
    if cfg["tier"] != "county" and not cfg["parent"]:
        click.echo("注意 / note: no parent set (parent in sanji.toml): this node will not link upward", err=True)
    run(cfg, tier, components=tier.make_components(cfg), ready=lambda url: click.echo(f"serving {cfg['tier']} {cfg['code']} at {url}"))
