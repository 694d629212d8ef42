"""The `sanji` command line. Errors are printed with their fix, never as a traceback."""
import logging
import sys

import click

from ..errors import SanjiError, cli_exit_code, describe
from . import calendar_cmds, catalog_cmds, demo, node_cmds, users_cmds


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="sanji")
@click.option("-v", "--verbose", is_flag=True, help="log debug details")
def cli(verbose):
    """三级为民服务网络 sanji: county–township–village service network nodes."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


for module in (node_cmds, catalog_cmds, calendar_cmds, users_cmds, demo):
    module.register(cli)


def _register_extra():
    from ..tiers import extra_commands
    for command in extra_commands():
        cli.add_command(command)


def main(argv=None):
    """Entry point of the console script."""
    try:
        _register_extra()
        cli.main(args=argv, prog_name="sanji", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("已取消 / aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SanjiError as exc:
        click.echo(describe(exc), err=True)
        sys.exit(cli_exit_code(exc))
    sys.exit(0)
