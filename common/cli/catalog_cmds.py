"""sanji catalog import / list / show (the import itself: common/usecases/catalog.py)."""
import json
from pathlib import Path

import click

from ..store import catalog as store
from ..usecases import catalog as usecase
from .options import data_option, echo_json, open_for_cli


def register(cli):
    """Add these commands to the sanji CLI."""
    cli.add_command(catalog)


@click.group()
def catalog():
    """The service catalog (事项目录)."""


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@data_option
def import_cmd(file, data_dir):
    """Import a catalog from YAML or CSV as a new version, audited and sent down; a bad file changes nothing."""
    cfg, conn = open_for_cli(data_dir)
    path = Path(file)
    version, changed = usecase.import_file(conn, cfg["code"], "cli", path.read_bytes(), path.name, path.name)
    n = len(store.items(conn, version))
    if changed:
        click.echo(f"已导入目录第 {version} 版，共 {n} 项 / imported version {version} with {n} items")
    else:
        click.echo(f"内容与第 {version} 版相同，未新建版本 / unchanged: version {version}, {n} items")


@catalog.command("list")
@data_option
@click.option("--json", "as_json", is_flag=True, help="print a JSON array of items")
@click.option("--department", default=None, help="only this department's items")
def list_cmd(data_dir, as_json, department):
    """List the current catalog's items."""
    _, conn = open_for_cli(data_dir)
    items = store.items(conn, department=department)
    if as_json:
        return echo_json(items)
    depts = {d["code"]: d["name"] for d in store.departments(conn)}
    click.echo(f"目录第 {store.current_version(conn)} 版 / catalog version {store.current_version(conn)}")
    for i in items:
        click.echo(f"{i['code']:<8} {i['decide_tier']:<9} {i['promised_days']:>3}/{i['legal_days']:<3} "
                   f"{depts.get(i['department'], i['department'])}  {i['name']}")


@catalog.command("show")
@click.argument("code")
@data_option
def show_cmd(code, data_dir):
    """Show one item in full (JSON)."""
    _, conn = open_for_cli(data_dir)
    click.echo(json.dumps(store.item(conn, code.upper()), ensure_ascii=False, indent=2))
