"""Every command-line option says what it is for in ``--help``."""

from __future__ import annotations

import argparse

from enms.cli.main import build_parser


def options_without_help(parser: argparse.ArgumentParser, command: str) -> list[str]:
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += options_without_help(sub, f"{command} {name}")
        elif not isinstance(action, argparse._HelpAction) and not action.help:
            missing.append(f"{command} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_option_of_every_command_has_help_text() -> None:
    assert options_without_help(build_parser(), "enms") == []


def commands(
    parser: argparse.ArgumentParser, name: str
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command that runs (a parser without sub-commands), with its name."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                found += commands(sub, f"{name} {sub_name}")
    return found or [(name, parser)]


def test_every_command_shows_an_example_of_itself() -> None:
    listed = commands(build_parser(), "enms")
    assert len(listed) >= 14
    for name, parser in listed:
        epilog = parser.epilog or ""
        assert epilog.startswith("example"), f"{name} --help has no example"
        assert name in epilog, f"{name}'s example runs another command: {epilog}"
