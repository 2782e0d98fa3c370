"""The package as pip installs it: every subpackage listed, the dataset inside the wheel."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_under_bot_is_listed_for_the_build():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "bot").rglob("__init__.py")
    }
    listed = set(config["packages"])
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert config["package-dir"]["bot.data"] == "data"
    assert sorted(p.name for p in (ROOT / "data").glob("*.yaml")), "no dataset to ship"


def test_the_lock_file_pins_every_dependency():
    """requirements.txt is generated from pyproject.toml (pip-compile, see the README): after a
    dependency is added, the lock file must be generated again."""
    import re

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = {
        line.split("==")[0].lower()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()
        assert name in pinned, f"{name} is not in requirements.txt: run pip-compile again"
