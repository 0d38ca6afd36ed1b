from __future__ import annotations

from pathlib import Path

import pytest

from outreach_map.config import DATA_DIR_ENV, default_data_dir, load_settings
from outreach_map.errors import DataFileError, OutreachError


def test_argument_beats_environment(tiny_data: Path, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tiny_data, environ={DATA_DIR_ENV: str(tmp_path)}, config_file=None)
    assert settings.data_dir == tiny_data


def test_environment_beats_config_file(tiny_data: Path, tmp_path: Path) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text('[data]\ndir = "/nowhere"\n', encoding="utf-8")
    settings = load_settings(environ={DATA_DIR_ENV: str(tiny_data)}, config_file=config)
    assert settings.data_dir == tiny_data


def test_config_file_sets_data_dir(tiny_data: Path, tmp_path: Path) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text(f'[data]\ndir = "{tiny_data}"\n', encoding="utf-8")
    assert load_settings(environ={}, config_file=config).data_dir == tiny_data


def test_default_is_the_embedded_data() -> None:
    assert (default_data_dir() / "villages" / "villages.csv").is_file()


def test_missing_data_dir_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(OutreachError, match=f"data directory {tmp_path / 'nope'} does not exist"):
        load_settings(data_dir=tmp_path / "nope", environ={})


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text("[data\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=f"{config}: not valid TOML"):
        load_settings(environ={}, config_file=config)
    config.write_text("[data]\ndir = 3\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"field .data.dir.: expected a path string"):
        load_settings(environ={}, config_file=config)
