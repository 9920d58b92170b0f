"""Every command and option of `planmap` says what it does in `--help`.

A user's first documentation is `planmap COMMAND --help`; an option that prints no text there is
one the user has to read the source for. The test walks the whole argparse tree, so an option
added later without `help=` fails here.
"""
from __future__ import annotations

import argparse

import pytest

from planmap.cli import main, parser


def _subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in p._actions:  # argparse exposes the tree only through its private actions
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _walk(p: argparse.ArgumentParser, path: str = "planmap"):
    yield path, p
    for name, child in _subparsers(p).items():
        yield from _walk(child, f"{path} {name}")


def _commands() -> dict[str, argparse.ArgumentParser]:
    return dict(_walk(parser()))


def test_every_command_is_found():
    names = set(_commands())
    assert {"planmap serve", "planmap build", "planmap render", "planmap export",
            "planmap import-projects"} <= names


def test_every_option_and_argument_has_help():
    missing = []
    for path, p in _commands().items():
        for action in p._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    assert missing == [], "options without help text: " + ", ".join(missing)


def test_every_subcommand_has_a_one_line_summary():
    top = parser()
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {c.dest: (c.help or "").strip() for c in action._choices_actions}
            assert helps and all(helps.values()), helps


def test_build_help_shows_how_to_replace_a_layer(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["build", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--replace" in out and "eco_barrier=" in out  # the example a GIS analyst copies


def test_an_unknown_option_is_refused_with_a_usage_line(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["export", "--no-such-option"])
    assert exc.value.code == 2
    assert "usage: planmap export" in capsys.readouterr().err
