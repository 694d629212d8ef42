"""The README's command table against the `sanji` command line, both ways."""
import re

import click

from common.cli import cli
from tests.docs.markdown import read, table


def commands():
    """Every runnable command of `sanji`, as its words ('sanji sync quarantine list')."""
    found = set()

    def walk(command, path):
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                if not sub.hidden:
                    walk(sub, path + [name])
        else:
            found.add(" ".join(path))
    walk(cli, ["sanji"])
    return found


def _words(group, words):
    # The command path WORDS name, walking GROUP's subcommands; the first word that is not one ends it.
    path, command = [], group
    for word in words:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        path.append(word)
    return path


def documented():
    """The commands the README's table names: `sanji group cmd ARGS` / `other ARGS` / … per row."""
    named = set()
    for row in table(read("README.md"), "command", "what it does"):
        spans = re.findall(r"`([^`]+)`", row["command"])
        assert spans and spans[0].startswith("sanji "), f"a row of the command table names no command: {row}"
        first = _words(cli, spans[0].split()[1:])
        assert first, f"{spans[0]!r} is not a sanji command"
        named.add(" ".join(["sanji"] + first))
        # `sanji catalog import FILE` / `list`: each later span is a sibling of the first span's command.
        parent = first[:-1]
        group = cli
        for word in parent:
            group = group.commands[word]
        for span in spans[1:]:
            rest = _words(group, span.split())
            assert rest, f"{span!r} (after {spans[0]!r}) is not a command of 'sanji {' '.join(parent)}'"
            named.add(" ".join(["sanji"] + parent + rest))
    return named


def test_the_readme_command_table_covers_every_command():
    missing = commands() - documented()
    assert not missing, f"commands not in the README's command table: {sorted(missing)}"


def test_the_readme_command_table_names_only_commands():
    extra = documented() - commands()
    assert not extra, f"the README's command table names what is no runnable command: {sorted(extra)}"
