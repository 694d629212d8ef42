"""The `sanji` command line. Errors are printed with their fix, never as a traceback.

One module per command group, named for it: setup_cmds (init, config), serve_cmds, backup_cmds
(backup, restore), audit_cmds, nodes_cmds and keys_cmds (child enrolment, this node's keys),
sync_cmds (link status, quarantine), catalog_cmds, calendar_cmds, users_cmds, demo. Where the
web pages can make the same change, both call one function for it (common/usecases/ for the
catalog and calendar, common/accounts.py for staff, sync/quarantine.py for quarantined messages),
so the two cannot drift apart.

The command line is the whole node's, so this package is the one part of common/ that imports
sync/ (for the nodes, keys and sync groups); the rest of common/ never does.
"""
import logging
import sys

import click

from ..errors import SanjiError, cli_exit_code, describe
from . import (audit_cmds, backup_cmds, calendar_cmds, catalog_cmds, demo, keys_cmds, nodes_cmds, serve_cmds,
               setup_cmds, sync_cmds, users_cmds)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="sanji")
@click.option("-v", "--verbose", is_flag=True, help="log debug details")
def cli(verbose):
    """三级为民服务网络 sanji: county–township–village service network nodes."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


for module in (setup_cmds, serve_cmds, audit_cmds, backup_cmds, nodes_cmds, keys_cmds, sync_cmds, catalog_cmds,
               calendar_cmds, users_cmds, demo):
    module.register(cli)


def main(argv=None):
    """Entry point of the console script."""
    try:
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
