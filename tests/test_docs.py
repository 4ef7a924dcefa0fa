"""The README is the contract for staff and the cron admin: it must name every option."""

import re

from archive.config import SETTINGS
from indexer.cli import EXIT_CODES, build_parser
from indexer.sidecar import FIELDS
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices


def test_readme_names_every_command_and_option():
    missing = []
    for name, sub in subcommands().items():
        if f"archive {name}" not in README:
            missing.append(f"archive {name}")
        for action in sub._actions:
            missing += [
                opt
                for opt in action.option_strings
                if opt.startswith("--")
                and opt != "--help"
                and f"`{opt}" not in README
                and f"[{opt}" not in README
            ]
    assert missing == []


def test_readme_names_every_setting_and_its_environment_variable():
    for setting in SETTINGS:
        assert setting.env in README and f"--{setting.name}" in README


def test_readme_documents_every_sidecar_key():
    table = set(re.findall(r"^\| `(\w+)` \|", README, re.MULTILINE))
    assert set(FIELDS) <= table


def test_readme_lists_every_exit_code():
    for code in {0, 1, 2, *EXIT_CODES.values()}:
        assert re.search(rf"^\| {code} \|", README, re.MULTILINE), code


def test_readme_shows_the_two_commands_and_a_crontab_line():
    assert "make serve" in README and "make test" in README
    assert re.search(r"^\d+ \d+ \* \* \* .*archive index", README, re.MULTILINE)
