"""Options shared by the CLI's commands."""
import json

import click

from ..node import open_node

data_option = click.option("--data", "data_dir", default=".", envvar="SANJI_DATA", show_default=True,
                           type=click.Path(file_okay=False), help="the node's data folder (or SANJI_DATA)")


json_option = click.option("--json", "as_json", is_flag=True, help="print JSON (for scripts) instead of lines")


def echo_json(data):
    """Print DATA as indented JSON with Chinese as itself: what a command's --json gives a script."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def open_for_cli(data_dir):
    """(config, connection) for a command working on a node's data folder."""
    return open_node(data_dir)
