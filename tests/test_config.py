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


def test_every_environment_variable_feeds_its_setting(tiny_data: Path, tmp_path: Path) -> None:
    environ = {
        "OUTREACH_DATA_DIR": str(tiny_data), "OUTREACH_CACHE_DIR": str(tmp_path / "cache"),
        "OUTREACH_INSTANCE_DIR": str(tmp_path / "instance"), "OUTREACH_DATABASE_URL": "sqlite:///x.db",
        "OUTREACH_TILES": "none", "OUTREACH_ROADS": "hki", "OUTREACH_SECRET_KEY": "s3cret",
    }  # fmt: skip
    settings = load_settings(environ=environ, config_file=None)
    assert settings.data_dir == tiny_data and settings.cache_dir == tmp_path / "cache"
    assert settings.instance_dir == tmp_path / "instance"
    assert (settings.web.database_url, settings.web.tiles, settings.web.secret_key) == (
        "sqlite:///x.db",
        "none",
        "s3cret",
    )
    assert settings.roads.network == "hki"
    assert "s3cret" not in repr(settings)


def test_config_file_sets_planner_web_and_paths(tiny_data: Path, tmp_path: Path) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text(
        f'[data]\ndir = "{tiny_data}"\nroutes = "{tmp_path / "routes"}"\n'
        '[web]\ntiles = "none"\nquick_exit_url = "https://example.org/"\n'
        '[planner]\nshift = "10:00-16:00"\nlunch_window = "12:30-13:30"\nweekdays = ["Tue", "Thu"]\n'
        "stop_minutes = [[0, 25]]\n",
        encoding="utf-8",
    )
    settings = load_settings(environ={"OUTREACH_TILES": "osm"}, config_file=config)
    assert settings.routes_dir == tmp_path / "routes" and settings.source == config
    assert settings.web.tiles == "osm"  # the environment beats the file
    assert settings.web.quick_exit_url == "https://example.org/"
    planner = settings.planner
    assert (planner.shift, planner.lunch_window, planner.weekdays) == ("10:00-16:00", "12:30-13:30", ("Tue", "Thu"))
    assert planner.stop_duration(9000) == 25.0 and planner.visit_frequency(9000, 4) == 1  # bands kept by default


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[planner]\nshift = "16:00-10:00"\n', "planner.shift"),
        ('[planner]\nlunch_window = "noon"\n', "planner.lunch_window"),
        ('[planner]\nweekdays = ["Funday"]\n', "planner.weekdays"),
        ("[planner]\nstop_minutes = [[100, 20]]\n", "planner.stop_minutes"),
        ("[planner]\nvisit_every_weeks = [[0, 2.5]]\n", "planner.visit_every_weeks"),
        ("[planner]\nlunch = 30\n", "planner.lunch"),
        ("[web]\ntiles = 3\n", "web.tiles"),
        ('[roads]\nmax_snap_km = "far"\n', "roads.max_snap_km"),
        ("[roads]\nmax_snap_km = 500\n", "roads.max_snap_km"),
        ('[web]\nbehind_https = "yes"\n', "web.behind_https"),
        ("[web]\nproxy_fix = true\n", "web.proxy_fix"),
        ("[web]\nlogin_attempts = 2.5\n", "web.login_attempts"),
        ("[web]\nproxy_fixes = 1\n", "web.proxy_fixes"),
    ],
)
def test_bad_settings_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=f"{config}: field '{field}'"):
        load_settings(environ={}, config_file=config)


def test_web_security_settings_from_the_file_and_the_environment(tiny_data: Path, tmp_path: Path) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text("[web]\nproxy_fix = 1\nbehind_https = true\nlogin_attempts = 8\nlockout_minutes = 30\n")
    web = load_settings(data_dir=tiny_data, environ={}, config_file=config).web
    assert (web.proxy_fix, web.behind_https, web.login_attempts, web.lockout_minutes) == (1, True, 8, 30)
    env = {"OUTREACH_PROXY_FIX": "2", "OUTREACH_BEHIND_HTTPS": "0"}
    web = load_settings(data_dir=tiny_data, environ=env, config_file=config).web
    assert (web.proxy_fix, web.behind_https) == (2, False)
    default = load_settings(data_dir=tiny_data, environ={}, config_file=None).web
    assert (default.proxy_fix, default.behind_https, default.login_attempts, default.lockout_minutes) == (
        0,
        False,
        5,
        15,
    )


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"OUTREACH_PROXY_FIX": "yes"}, "OUTREACH_PROXY_FIX"),
        ({"OUTREACH_BEHIND_HTTPS": "maybe"}, "OUTREACH_BEHIND_HTTPS"),
    ],
)
def test_bad_web_security_environment_names_the_variable(tiny_data: Path, environ: dict[str, str], named: str) -> None:
    with pytest.raises(DataFileError, match=named):
        load_settings(data_dir=tiny_data, environ=environ, config_file=None)


@pytest.mark.parametrize(
    "text", ["[web]\nproxy_fix = 9\n", "[web]\nlogin_attempts = 1\n", "[web]\nlockout_minutes = 0\n"]
)
def test_web_security_settings_out_of_range_are_refused(tiny_data: Path, tmp_path: Path, text: str) -> None:
    config = tmp_path / "outreach.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match="out of range"):
        load_settings(data_dir=tiny_data, environ={}, config_file=config)
