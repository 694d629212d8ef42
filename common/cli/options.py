"""Options shared by the CLI's commands."""
import click

data_option = click.option("--data", "data_dir", default=".", envvar="SANJI_DATA", show_default=True,
                           type=click.Path(file_okay=False), help="the node's data folder (or SANJI_DATA)")


def open_for_cli(data_dir):
    """(config, connection) for a command working on a node's data folder."""
    from ..node import open_node
    return open_node(data_dir)
