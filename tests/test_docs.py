"""The README documents every setting with its default."""

from __future__ import annotations

import re
from pathlib import Path

from webapp.settings import DEFAULTS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def documented() -> dict[str, str]:
    rows = re.findall(r"^\| `ZIRKEL_([A-Z_]+)` \| ([^|]+) \|", README, re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_documented_with_its_default():
    table = documented()
    for name, default in DEFAULTS.items():
        assert name in table, f"ZIRKEL_{name} is missing from the README"
        if default is not None:
            assert table[name] == f"`{default}`"


def test_the_readme_documents_no_setting_that_does_not_exist():
    assert set(documented()) - set(DEFAULTS) == {"INSTANCE_PATH"}


def test_quick_start_is_the_two_make_commands():
    quick_start = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make \w+", quick_start, re.MULTILINE)
    assert commands == ["make run", "make test"]
