"""sanji users add / list / disable / enable / reset-password."""
import click

from .. import accounts
from ..store import users as store
from .options import data_option, echo_json, json_option, open_for_cli

password_option = click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                               envvar="SANJI_NEW_PASSWORD", help="prompted for when not given (or SANJI_NEW_PASSWORD)")


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(users)


@click.group()
def users():
    """Staff accounts and roles."""


@users.command("add")
@click.argument("username")
@click.option("--role", "role_specs", multiple=True, required=True,
              help="role, repeatable; department roles as county_approver:MZ")
@click.option("--name", "display_name", default="", help="display name, e.g. 王芳")
@password_option
@click.option("--temporary/--permanent", default=True, show_default=True,
              help="the password is temporary: the person must choose their own at first sign-in")
@data_option
def add(username, role_specs, display_name, password, temporary, data_dir):
    """Create a staff account (by default with a temporary password, changed at first sign-in)."""
    cfg, conn = open_for_cli(data_dir)
    accounts.add_user(conn, cfg["tier"], username, display_name, password, role_specs, must_change=temporary)
    click.echo(f"已创建用户 {username} / user created" + ("（临时密码，首次登录须修改 / temporary password）" if temporary else ""))


@users.command("list")
@data_option
@json_option
def list_cmd(data_dir, as_json):
    """List accounts with roles and lock state."""
    _, conn = open_for_cli(data_dir)
    rows = [{"username": u["username"], "name": u["display_name"], "disabled": bool(u["disabled"]),
             "locked_until": u["locked_until"], "roles": [f"{r}:{d}" if d else r for r, d in u["roles"]]}
            for u in store.all_users(conn)]
    if as_json:
        return echo_json(rows)
    for r in rows:
        flags = " [停用 disabled]" if r["disabled"] else (" [锁定 locked]" if r["locked_until"] else "")
        click.echo(f"{r['username']:<16} {r['name']:<10} {', '.join(r['roles'])}{flags}")


@users.command("disable")
@click.argument("username")
@data_option
def disable(username, data_dir):
    """Disable an account and end its sessions."""
    _set_disabled(data_dir, username, True)


@users.command("enable")
@click.argument("username")
@data_option
def enable(username, data_dir):
    """Re-enable a disabled account."""
    _set_disabled(data_dir, username, False)


def _set_disabled(data_dir, username, disabled):
    _, conn = open_for_cli(data_dir)
    accounts.set_disabled(conn, username, disabled)
    click.echo(f"已停用 {username} / disabled" if disabled else f"已启用 {username} / enabled")


@users.command("reset-password")
@click.argument("username")
@password_option
@click.option("--temporary/--permanent", default=True, show_default=True,
              help="the password is temporary: the person must choose their own at next sign-in (an "
                   "administrator should not know a colleague's password)")
@data_option
def reset_password(username, password, temporary, data_dir):
    """Set a new password (by default temporary); unlocks the account and ends its sessions."""
    _, conn = open_for_cli(data_dir)
    accounts.reset_password(conn, username, password, must_change=temporary)
    click.echo(f"已重置 {username} 的密码 / password reset" + ("（临时密码，首次登录须修改）/ temporary" if temporary else ""))
