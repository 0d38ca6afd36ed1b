"""The README says what the site and commands are now (issue 14's README items), and shows what it links to."""

from __future__ import annotations

import re

from click.testing import CliRunner

from outreach_map.cli import main

from .conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_describes_the_site_as_it_is() -> None:
    assert "for now" not in README and "later)" not in README  # "`outreach-map info` for now", "(the web site, later)"
    assert "`/login`" in README
    assert "OUTREACH_TILES" in README and 'tiles = "none"' in README
    assert "`outreach-map users list`" in README and "`users remove NAME`" in README


def test_the_commands_the_readme_names_exist() -> None:
    for group in (["users", "list"], ["users", "remove"]):
        assert CliRunner().invoke(main, [*group, "--help"]).exit_code == 0, group


def test_every_picture_and_local_link_in_the_readme_exists() -> None:
    targets = re.findall(r"\]\(((?:docs|tests|data)/[^)#\s]+)\)", README)
    assert "docs/before-village-phone.png" in targets and "docs/after-map-no-tiles.png" in targets
    assert [t for t in targets if not (PROJECT_ROOT / t).exists()] == []
