"""Settings: frozen dataclasses, from arguments, the environment and ``outreach.toml``.

No module-level mutable state: commands build a :class:`Settings` once and pass
it down.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import DataFileError, OutreachError

__all__ = ["DATA_DIR_ENV", "Settings", "default_data_dir", "load_settings"]

#: Environment variable that points every command at another copy of ``data/``.
DATA_DIR_ENV = "OUTREACH_DATA_DIR"
CONFIG_FILE = "outreach.toml"


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
        Folder with ``villages/``, ``services/`` and ``postcodes/``.
    """

    data_dir: Path

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
        data_section = table.get("data", {})
        if not isinstance(data_section, dict):
            raise DataFileError(path, "expected a [data] table", field="data")
        configured = data_section.get("dir")
        if configured is not None and not isinstance(configured, str):
            raise DataFileError(path, "expected a path string", field="data.dir")
        chosen = configured
    return Settings(data_dir=Path(chosen) if chosen else default_data_dir())
