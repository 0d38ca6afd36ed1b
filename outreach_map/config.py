"""Settings: frozen dataclasses, from arguments, the environment and ``outreach.toml``.

No module-level mutable state: commands build a :class:`Settings` once and pass
it down.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataFileError, OutreachError

__all__ = ["CACHE_DIR_ENV", "DATA_DIR_ENV", "RoadSettings", "Settings", "default_data_dir", "load_settings"]

#: Environment variable that points every command at another copy of ``data/``.
DATA_DIR_ENV = "OUTREACH_DATA_DIR"
#: Environment variable for the folder where travel-time matrices are cached.
CACHE_DIR_ENV = "OUTREACH_CACHE_DIR"
CONFIG_FILE = "outreach.toml"


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/outreach-map``, else ``~/.cache/outreach-map``."""
    base = environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "outreach-map"


@dataclass(frozen=True, slots=True)
class RoadSettings:
    """The ``[roads]`` table of ``outreach.toml``.

    Parameters
    ----------
    max_snap_km
        Points farther than this from the road network are refused.
    speeds
        ``[roads.speeds]``: overrides of the default speeds by highway class
        for ``roads import`` (checked by :mod:`outreach_map.osm`).
    source
        The file these came from, for error messages.
    """

    max_snap_km: float = 5.0
    speeds: Mapping[str, object] = field(default_factory=dict)
    source: Path | None = None

    def __post_init__(self) -> None:
        if not 0 < self.max_snap_km <= 50:
            where = self.source or Path(CONFIG_FILE)
            msg = f"{self.max_snap_km} is out of range; expected kilometres between 0 and 50"
            raise DataFileError(where, msg, field="roads.max_snap_km")


def default_data_dir() -> Path:
    """The embedded data: ``data/`` beside the package in a checkout, else ``./data``."""
    beside = Path(__file__).resolve().parent.parent / "data"
    if (beside / "villages").is_dir():
        return beside
    return Path.cwd() / "data"


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the data lives and how the project is configured.

    Parameters
    ----------
    data_dir
        Folder with ``villages/``, ``services/``, ``postcodes/`` and ``roads/``.
    cache_dir
        Where travel-time matrices are cached.
    roads
        Road network settings.
    """

    data_dir: Path
    cache_dir: Path = field(default_factory=lambda: default_cache_dir(os.environ))
    roads: RoadSettings = field(default_factory=RoadSettings)

    def __post_init__(self) -> None:
        if not self.data_dir.is_dir():
            msg = (
                f"data directory {self.data_dir} does not exist; "
                f"expected a copy of data/ (--data-dir or {DATA_DIR_ENV})"
            )
            raise OutreachError(msg)


def load_settings(
    *, data_dir: Path | str | None = None, config_file: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build :class:`Settings`: explicit argument, then environment, then ``outreach.toml``, then defaults.

    Parameters
    ----------
    data_dir
        ``--data-dir`` as given on the command line, if any.
    config_file
        A TOML file; ``outreach.toml`` in the working directory when it exists.
    environ
        The environment (``os.environ`` by default).
    """
    env = os.environ if environ is None else environ
    table: dict[str, object] = {}
    path = config_file if config_file is not None else Path.cwd() / CONFIG_FILE
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise DataFileError(path, f"not valid TOML ({exc})") from None
    elif config_file is not None:
        raise DataFileError(path, "file not found")
    chosen: Path | str | None = data_dir or env.get(DATA_DIR_ENV) or None
    if chosen is None:
        configured = _section(table, "data", path).get("dir")
        if configured is not None and not isinstance(configured, str):
            raise DataFileError(path, "expected a path string", field="data.dir")
        chosen = configured
    roads = _section(table, "roads", path)
    unknown = sorted(set(roads) - {"max_snap_km", "speeds"})
    if unknown:
        raise DataFileError(path, "unknown setting; expected max_snap_km or speeds", field=f"roads.{unknown[0]}")
    max_snap = roads.get("max_snap_km", 5.0)
    if not isinstance(max_snap, int | float) or isinstance(max_snap, bool):
        raise DataFileError(path, f"{max_snap!r} is not a number; expected kilometres", field="roads.max_snap_km")
    cache = env.get(CACHE_DIR_ENV)
    return Settings(
        data_dir=Path(chosen) if chosen else default_data_dir(),
        cache_dir=Path(cache) if cache else default_cache_dir(env),
        roads=RoadSettings(
            max_snap_km=float(max_snap), speeds=_section(roads, "speeds", path, prefix="roads."), source=path
        ),
    )


def _section(table: Mapping[str, object], name: str, path: Path, *, prefix: str = "") -> dict[str, object]:
    value = table.get(name, {})
    if not isinstance(value, dict):
        raise DataFileError(path, f"expected a [{prefix}{name}] table", field=f"{prefix}{name}")
    return value
