"""Settings: one frozen tree, loaded once from arguments, the environment and ``outreach.toml``.

No module-level mutable state: commands and ``create_app`` build a
:class:`Settings` once with :func:`load_settings` and pass it down. This is the
only module that reads the environment or the settings file.

Precedence for each value: an explicit argument (``--data-dir``), then the
environment, then ``outreach.toml`` (in the working directory, optional), then
the default.

=====================  ========================  ===============================
setting                environment               ``outreach.toml``
=====================  ========================  ===============================
``data_dir``           ``OUTREACH_DATA_DIR``     ``[data] dir``
``routes_dir``                                   ``[data] routes``
``cache_dir``          ``OUTREACH_CACHE_DIR``
                       (or ``XDG_CACHE_HOME``)
``instance_dir``       ``OUTREACH_INSTANCE_DIR`` ``[web] instance_dir``
``roads.network``      ``OUTREACH_ROADS``        ``[roads] network``
``roads.max_snap_km``                            ``[roads] max_snap_km``
``roads.speeds``                                 ``[roads.speeds]``
``roads.proxy_*``                                ``[roads] proxy_detour``, ``proxy_speed_kmh``
``planner.*``                                    ``[planner]`` (see :class:`PlannerSettings`)
``web.tiles``          ``OUTREACH_TILES``        ``[web] tiles``
``web.quick_exit_url``                           ``[web] quick_exit_url``
``web.database_url``   ``OUTREACH_DATABASE_URL`` ``[web] database_url``
``web.secret_key``     ``OUTREACH_SECRET_KEY``   (never in a file; without it the site keeps
                                                 a random key in ``instance_dir/secret_key``)
``web.proxy_fix``      ``OUTREACH_PROXY_FIX``    ``[web] proxy_fix``
``web.behind_https``   ``OUTREACH_BEHIND_HTTPS`` ``[web] behind_https``
``web.login_attempts``                           ``[web] login_attempts``
``web.lockout_minutes``                          ``[web] lockout_minutes``
``directory.*``                                  ``[directory] review_months``, ``lead_organization``
``referrals.*``        ``OUTREACH_REFERRAL_KEY`` ``[referrals] retention_months``,
                       (never in a file)         ``allow_own_organisation``
``mail.host``          ``OUTREACH_SMTP_HOST``    ``[mail] host``
``mail.port``          ``OUTREACH_SMTP_PORT``    ``[mail] port``
``mail.sender``        ``OUTREACH_MAIL_FROM``    ``[mail] sender``
``mail.username``      ``OUTREACH_SMTP_USER``    ``[mail] username``
``mail.password``      ``OUTREACH_SMTP_PASSWORD`` (never in a file)
``mail.starttls``                                ``[mail] starttls``
``mail.site_url``      ``OUTREACH_SITE_URL``     ``[mail] site_url``
``jobs.url``           ``OUTREACH_QUEUE_URL``    ``[jobs] url``
=====================  ========================  ===============================
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .clock import WEEKDAYS, clock, is_clock
from .errors import DataFileError, OutreachError

__all__ = [
    "BEHIND_HTTPS_ENV",
    "CACHE_DIR_ENV",
    "CONFIG_FILE",
    "DATABASE_URL_ENV",
    "DATA_DIR_ENV",
    "INSTANCE_DIR_ENV",
    "PROXY_FIX_ENV",
    "QUEUE_URL_ENV",
    "ROADS_ENV",
    "SECRET_KEY_ENV",
    "TILES_ENV",
    "DirectorySettings",
    "JobSettings",
    "MailSettings",
    "PlannerSettings",
    "ReferralSettings",
    "RoadSettings",
    "Settings",
    "WebSettings",
    "default_data_dir",
    "load_settings",
]

#: Environment variable that points every command at another copy of ``data/``.
DATA_DIR_ENV = "OUTREACH_DATA_DIR"
#: Environment variable for the folder where travel-time matrices are cached.
CACHE_DIR_ENV = "OUTREACH_CACHE_DIR"
#: Environment variable for the web site's instance folder (database, secret key).
INSTANCE_DIR_ENV = "OUTREACH_INSTANCE_DIR"
#: Environment variable with the staff database's SQLAlchemy URL.
DATABASE_URL_ENV = "OUTREACH_DATABASE_URL"
#: Environment variable with the base-map tiles (``osm``, ``none`` or a URL).
TILES_ENV = "OUTREACH_TILES"
#: Environment variable naming the road network under ``data/roads/``.
ROADS_ENV = "OUTREACH_ROADS"
#: Environment variable with the web site's secret key.
SECRET_KEY_ENV = "OUTREACH_SECRET_KEY"
#: Environment variable with the job queue's storage (``redis://...``; none: SQLite in the instance folder).
QUEUE_URL_ENV = "OUTREACH_QUEUE_URL"
#: Environment variables for a site behind a reverse proxy and served over HTTPS.
PROXY_FIX_ENV, BEHIND_HTTPS_ENV = "OUTREACH_PROXY_FIX", "OUTREACH_BEHIND_HTTPS"
CONFIG_FILE = "outreach.toml"
#: Where the quick-exit button goes unless ``[web] quick_exit_url`` says otherwise.
DEFAULT_QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"

#: The checkout (``data/``, ``routes/`` and ``instance/`` sit beside the package there).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _where(source: Path | None) -> Path:
    return source or Path(CONFIG_FILE)


@dataclass(frozen=True, slots=True)
class RoadSettings:
    """The ``[roads]`` table of ``outreach.toml``.

    Parameters
    ----------
    network
        The road network under ``data/roads/`` to use when a command or request
        names none (``None``: the embedded approximate network).
    max_snap_km
        Points farther than this from the road network are refused.
    speeds
        ``[roads.speeds]``: overrides of the default speeds by highway class
        for ``roads import`` (checked by :mod:`outreach_map.osm`).
    proxy_detour, proxy_speed_kmh
        The proxy model for any set of points (a plan request with ``travel =
        "proxy"``): road distance = straight line x ``proxy_detour``, driven at
        ``proxy_speed_kmh``; defaults measured on 4,589 real mobile-library legs.
    source
        The file these came from, for error messages.
    """

    network: str | None = None
    max_snap_km: float = 5.0
    speeds: Mapping[str, object] = field(default_factory=dict)
    proxy_detour: float = 1.32
    proxy_speed_kmh: float = 40.0
    source: Path | None = None

    def __post_init__(self) -> None:
        if not 0 < self.max_snap_km <= 50:
            msg = f"{self.max_snap_km} is out of range; expected kilometres between 0 and 50"
            raise DataFileError(_where(self.source), msg, field="roads.max_snap_km")
        if not 1.0 <= self.proxy_detour <= 3.0:
            msg = f"{self.proxy_detour} is out of range; expected road distance / straight line from 1 to 3"
            raise DataFileError(_where(self.source), msg, field="roads.proxy_detour")
        if not 5.0 <= self.proxy_speed_kmh <= 130.0:
            msg = f"{self.proxy_speed_kmh} is out of range; expected km/h from 5 to 130"
            raise DataFileError(_where(self.source), msg, field="roads.proxy_speed_kmh")


#: ``(from population, value)``: the value of the last band whose lower bound the population reaches.
Bands = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class PlannerSettings:
    """Defaults of the route planner, from real UK mobile-library timetables (``[planner]``).

    Real timetables (29 councils, 5,482 stops): a van day from about 09:30 to
    16:30 with a lunch break; median stop 20 minutes (middle half 15-30, 90th
    percentile 45); most stops every 4 weeks, many fortnightly, few weekly.

    Parameters
    ----------
    shift_start, shift_end
        A van's working day, ``HH:MM``.
    lunch_minutes, lunch_window
        The lunch break and the window it lies in (``HH:MM-HH:MM``).
    weekdays
        The days a van works unless told otherwise.
    stop_minutes
        Minutes a van stays at a stop, by population: ``(from population,
        minutes)`` bands, the first from 0 (hamlets under 250 people 15,
        villages under 1,000 20, under 2,500 30, larger places 45).
    visit_every_weeks
        Weeks between visits by population, the same way (5,000 people or more
        weekly, 1,500 or more fortnightly, else every 4 weeks), then made to
        divide the cycle.
    source
        The file these came from, for error messages.
    """

    shift_start: str = "09:30"
    shift_end: str = "16:30"
    lunch_minutes: float = 30.0
    lunch_window: str = "12:00-14:00"
    weekdays: tuple[str, ...] = WEEKDAYS[:5]
    stop_minutes: Bands = ((0, 15.0), (250, 20.0), (1000, 30.0), (2500, 45.0))
    visit_every_weeks: Bands = ((0, 4), (1500, 2), (5000, 1))
    source: Path | None = None

    def __post_init__(self) -> None:
        where = _where(self.source)
        if not (is_clock(self.shift_start) and is_clock(self.shift_end)):
            raise DataFileError(where, f"{self.shift!r}; expected HH:MM-HH:MM", field="planner.shift")
        if clock(self.shift_end) <= clock(self.shift_start):
            raise DataFileError(where, f"{self.shift!r} ends before it starts", field="planner.shift")
        parts = self.lunch_window.split("-")
        if len(parts) != 2 or not all(is_clock(p) for p in parts) or clock(parts[1]) < clock(parts[0]):
            raise DataFileError(where, f"{self.lunch_window!r}; expected HH:MM-HH:MM", field="planner.lunch_window")
        if not 0 <= self.lunch_minutes < 240:
            raise DataFileError(
                where, f"{self.lunch_minutes:g}; expected 0 to 240 minutes", field="planner.lunch_minutes"
            )
        bad = [d for d in self.weekdays if d not in WEEKDAYS]
        if bad or not self.weekdays:
            msg = f"{bad[0] if bad else 'none'!r}; expected weekdays among {', '.join(WEEKDAYS)}"
            raise DataFileError(where, msg, field="planner.weekdays")
        _check_bands(where, "stop_minutes", self.stop_minutes, high=240)
        _check_bands(where, "visit_every_weeks", self.visit_every_weeks, high=4, whole=True)

    @property
    def shift(self) -> str:
        """``HH:MM-HH:MM``."""
        return f"{self.shift_start}-{self.shift_end}"

    def stop_duration(self, population: int) -> float:
        """Minutes a van stays at a stop of this population.

        Examples
        --------
        >>> [PlannerSettings().stop_duration(p) for p in (100, 640, 2000, 9000)]
        [15.0, 20.0, 30.0, 45.0]
        """
        return float(_band(self.stop_minutes, population))

    def visit_frequency(self, population: int, cycle_weeks: int) -> int:
        """Weeks between visits for this population: the divisor of ``cycle_weeks`` nearest the band's value.

        On a tie the less frequent one is taken.

        Examples
        --------
        >>> s = PlannerSettings()
        >>> s.visit_frequency(2000, 4), s.visit_frequency(2000, 3), s.visit_frequency(300, 4)
        (2, 3, 4)
        """
        wanted = _band(self.visit_every_weeks, population)
        divisors = [f for f in range(1, cycle_weeks + 1) if cycle_weeks % f == 0]
        return min(divisors, key=lambda f: (abs(f - wanted), -f))


def _band(bands: Bands, population: int) -> float:
    return [value for start, value in bands if population >= start][-1]


def _check_bands(where: Path, name: str, bands: Bands, *, high: float, whole: bool = False) -> None:
    starts = [start for start, _ in bands]
    ok = bool(bands) and starts[0] == 0 and starts == sorted(set(starts))
    ok = ok and all(0 < value <= high and (not whole or float(value).is_integer()) for _, value in bands)
    if not ok:
        kind = "whole weeks" if whole else "minutes"
        msg = f"expected [from population, {kind}] pairs, the first from 0, in increasing order, {kind} up to {high:g}"
        raise DataFileError(where, msg, field=f"planner.{name}")


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The ``[web]`` table: what the web site shows and where it keeps accounts.

    Parameters
    ----------
    tiles
        External base-map tiles: ``none`` (the default: only the site's own base map, so no
        other origin is contacted), ``osm`` or a tile URL, an explicit choice.
    quick_exit_url
        Where the quick-exit button (and Escape twice) takes a visitor.
    database_url
        SQLAlchemy URL of the staff database (``None``: SQLite in the instance folder).
    secret_key
        The session-signing key, from ``OUTREACH_SECRET_KEY`` only (``None``: a
        random key kept in the instance folder).
    proxy_fix
        How many reverse proxies stand in front of the site: their ``X-Forwarded-For``,
        ``-Proto``, ``-Host`` and ``-Port`` are believed (werkzeug's ProxyFix); 0 believes none.
    behind_https
        The site is served over HTTPS (directly or by the proxy): session cookies are
        ``Secure`` (and ``__Host-``), every response has Strict-Transport-Security.
    login_attempts, lockout_minutes
        After this many failed logins for one user name within ``lockout_minutes``, that name
        is locked for ``lockout_minutes`` (the lock is in the audit log).
    """

    tiles: str = "none"
    quick_exit_url: str = DEFAULT_QUICK_EXIT_URL
    database_url: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    proxy_fix: int = 0
    behind_https: bool = False
    login_attempts: int = 5
    lockout_minutes: int = 15

    def __post_init__(self) -> None:
        for name, low, high in (("proxy_fix", 0, 5), ("login_attempts", 2, 100), ("lockout_minutes", 1, 1440)):
            value = getattr(self, name)
            if not low <= value <= high:
                msg = f"{value} is out of range; expected {low} to {high}"
                raise DataFileError(Path(CONFIG_FILE), msg, field=f"web.{name}")


@dataclass(frozen=True, slots=True)
class DirectorySettings:
    """The ``[directory]`` table.

    Parameters
    ----------
    review_months
        An entry is due for review this many months after it was last checked.
    lead_organization
        The lead agency's name in the seed data (its admins manage organisations and approvals).
    """

    review_months: int = 6
    lead_organization: str | None = "West Northamptonshire Council"

    def __post_init__(self) -> None:
        if not 1 <= self.review_months <= 36:
            msg = f"{self.review_months} is out of range; expected 1 to 36 months"
            raise DataFileError(Path(CONFIG_FILE), msg, field="directory.review_months")


@dataclass(frozen=True, slots=True)
class ReferralSettings:
    """The ``[referrals]`` table and the encryption key.

    Parameters
    ----------
    retention_months
        A referral's client details are deleted this many months after it ended.
    allow_own_organisation
        Whether staff may refer to a service of their own organisation.
    key
        Fernet key(s), comma-separated, from ``OUTREACH_REFERRAL_KEY`` only (``None``: a key kept in the
        instance folder).
    """

    retention_months: int = 24
    allow_own_organisation: bool = False
    key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.retention_months <= 120:
            msg = f"{self.retention_months} is out of range; expected 1 to 120 months"
            raise DataFileError(Path(CONFIG_FILE), msg, field="referrals.retention_months")


@dataclass(frozen=True, slots=True)
class MailSettings:
    """How to send email (``[mail]``, or ``OUTREACH_SMTP_*``): no host means email is off, and says so.

    Parameters
    ----------
    host, port
        The SMTP server.
    sender
        The From address.
    username, password
        Credentials (the password from ``OUTREACH_SMTP_PASSWORD`` only).
    starttls
        Upgrade the connection with STARTTLS.
    site_url
        The site's address, for links in messages.
    """

    host: str | None = None
    port: int = 25
    sender: str = "outreach-map@localhost"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    site_url: str = "http://127.0.0.1:5000"
    timeout_s: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True, slots=True)
class JobSettings:
    """The ``[jobs]`` table: where the queue of long jobs (plans) is kept.

    Parameters
    ----------
    url
        ``redis://host:port/db`` (or ``rediss://``) for Redis, ``sqlite:///path``
        for a SQLite file; ``None``: SQLite in the instance folder (``jobs.db``).
    """

    url: str | None = None

    def __post_init__(self) -> None:
        if self.url is not None and not self.url.startswith(("redis://", "rediss://", "unix://", "sqlite:///")):
            msg = f"{self.url.split('@')[-1]!r}; expected redis://host:port/db or sqlite:///path"
            raise DataFileError(Path(CONFIG_FILE), msg, field="jobs.url")


def default_data_dir() -> Path:
    """The embedded data: ``data/`` beside the package in a checkout, else ``./data``."""
    beside = PROJECT_ROOT / "data"
    if (beside / "villages").is_dir():
        return beside
    return Path.cwd() / "data"


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/outreach-map``, else ``~/.cache/outreach-map``."""
    base = environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "outreach-map"


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the data lives and how the project is configured.

    Parameters
    ----------
    data_dir
        Folder with ``villages/``, ``services/``, ``postcodes/`` and ``roads/``.
    cache_dir
        Where travel-time matrices are cached.
    routes_dir
        Where timetables are published (``routes/<plan-id>/``).
    instance_dir
        The web site's own files (SQLite database, secret key).
    roads, planner, web, directory, referrals, mail, jobs
        Road network, route planner, web site, directory upkeep, referral, email and job queue settings.
    source
        The settings file, if one was read.
    """

    data_dir: Path
    cache_dir: Path = field(default_factory=lambda: default_cache_dir(os.environ))
    routes_dir: Path = PROJECT_ROOT / "routes"
    instance_dir: Path = PROJECT_ROOT / "instance"
    roads: RoadSettings = field(default_factory=RoadSettings)
    planner: PlannerSettings = field(default_factory=PlannerSettings)
    web: WebSettings = field(default_factory=WebSettings)
    directory: DirectorySettings = field(default_factory=DirectorySettings)
    referrals: ReferralSettings = field(default_factory=ReferralSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    source: Path | None = None

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

    Raises
    ------
    DataFileError
        For a settings file that is not TOML or a setting that is not as expected, naming the field.
    """
    env = os.environ if environ is None else environ
    path = config_file if config_file is not None else Path.cwd() / CONFIG_FILE
    table = _read_toml(path, required=config_file is not None)
    source = path if table is not None else None
    toml = _Table(table or {}, path)
    data = toml.section("data", ("dir", "routes"))
    web = toml.section("web", _WEB_KEYS)
    chosen = data_dir or env.get(DATA_DIR_ENV) or data.text("dir")
    cache = env.get(CACHE_DIR_ENV)
    instance = env.get(INSTANCE_DIR_ENV) or web.text("instance_dir")
    routes = data.text("routes")
    return Settings(
        data_dir=Path(chosen) if chosen else default_data_dir(),
        cache_dir=Path(cache) if cache else default_cache_dir(env),
        routes_dir=Path(routes) if routes else PROJECT_ROOT / "routes",
        instance_dir=Path(instance) if instance else PROJECT_ROOT / "instance",
        roads=_road_settings(toml, env, source),
        planner=_planner_settings(toml, source),
        web=_web_settings(web, env),
        directory=_directory_settings(toml),
        referrals=_referral_settings(toml, env),
        mail=_mail_settings(toml, env),
        jobs=JobSettings(env.get(QUEUE_URL_ENV) or toml.section("jobs", ("url",)).text("url", "a queue URL")),
        source=source,
    )


_WEB_KEYS = (
    "tiles", "quick_exit_url", "database_url", "instance_dir", "proxy_fix", "behind_https", "login_attempts",
    "lockout_minutes",
)  # fmt: skip


def _env_flag(env: Mapping[str, str], name: str, table: _Table, key: str) -> bool:
    """A true/false setting from the environment (``1``/``true``/``0``/``false``), else from the table."""
    text = env.get(name)
    if text is None:
        value = table.values.get(key, False)
        if not isinstance(value, bool):
            raise DataFileError(table.path, f"{value!r}; expected true or false", field=f"web.{key}")
        return value
    if text.strip().lower() not in ("1", "true", "yes", "0", "false", "no", ""):
        raise DataFileError(Path(name), f"{text!r}; expected 1, true, 0 or false")
    return text.strip().lower() in ("1", "true", "yes")


def _web_settings(web: _Table, env: Mapping[str, str]) -> WebSettings:
    default = WebSettings()
    proxies = env.get(PROXY_FIX_ENV)
    if proxies is not None and not proxies.strip().isdigit():
        raise DataFileError(Path(PROXY_FIX_ENV), f"{proxies!r}; expected the number of proxies in front (0 for none)")
    whole = "a whole number"
    configured = web.get("proxy_fix", int, "the number of proxies in front of the site")
    attempts, minutes = web.get("login_attempts", int, whole), web.get("lockout_minutes", int, whole)
    return WebSettings(
        tiles=env.get(TILES_ENV) or web.text("tiles", "none, osm or a tile URL") or "none",
        quick_exit_url=web.text("quick_exit_url", "a URL") or DEFAULT_QUICK_EXIT_URL,
        database_url=env.get(DATABASE_URL_ENV) or web.text("database_url", "an SQLAlchemy URL"),
        secret_key=env.get(SECRET_KEY_ENV) or None,
        proxy_fix=int(proxies) if proxies is not None else (configured or 0),
        behind_https=_env_flag(env, BEHIND_HTTPS_ENV, web, "behind_https"),
        login_attempts=default.login_attempts if attempts is None else attempts,
        lockout_minutes=default.lockout_minutes if minutes is None else minutes,
    )


def _directory_settings(toml: _Table) -> DirectorySettings:
    table = toml.section("directory", ("review_months", "lead_organization"))
    months = table.get("review_months", int, "a whole number of months")
    lead = table.text("lead_organization", "the lead agency's name")
    default = DirectorySettings()
    return DirectorySettings(default.review_months if months is None else months, lead or default.lead_organization)


def _referral_settings(toml: _Table, env: Mapping[str, str]) -> ReferralSettings:
    table = toml.section("referrals", ("retention_months", "allow_own_organisation"))
    months = table.get("retention_months", int, "a whole number of months")
    own = table.values.get("allow_own_organisation", False)
    if not isinstance(own, bool):
        raise DataFileError(table.path, f"{own!r}; expected true or false", field="referrals.allow_own_organisation")
    return ReferralSettings(24 if months is None else months, own, env.get("OUTREACH_REFERRAL_KEY") or None)


def _mail_settings(toml: _Table, env: Mapping[str, str]) -> MailSettings:
    table = toml.section("mail", ("host", "port", "sender", "username", "starttls", "site_url"))
    port_text = env.get("OUTREACH_SMTP_PORT")
    if port_text is not None and not port_text.isdigit():
        raise DataFileError(Path("OUTREACH_SMTP_PORT"), f"{port_text!r}; expected a port number")
    port = int(port_text) if port_text else table.get("port", int, "a port number")
    starttls = table.values.get("starttls", False)
    if not isinstance(starttls, bool):
        raise DataFileError(table.path, f"{starttls!r}; expected true or false", field="mail.starttls")
    default = MailSettings()
    return MailSettings(
        host=env.get("OUTREACH_SMTP_HOST") or table.text("host", "a host name"),
        port=default.port if port is None else int(port),
        sender=env.get("OUTREACH_MAIL_FROM") or table.text("sender", "an email address") or default.sender,
        username=env.get("OUTREACH_SMTP_USER") or table.text("username", "a user name"),
        password=env.get("OUTREACH_SMTP_PASSWORD") or None,
        starttls=starttls,
        site_url=env.get("OUTREACH_SITE_URL") or table.text("site_url", "the site's URL") or default.site_url,
    )


def _read_toml(path: Path, *, required: bool) -> dict[str, Any] | None:
    if not path.is_file():
        if required:
            raise DataFileError(path, "file not found")
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(path, f"not valid TOML ({exc})") from None


@dataclass(frozen=True, slots=True)
class _Table:
    """A TOML table with typed, named look-ups (errors name the file and the dotted field)."""

    values: Mapping[str, Any]
    path: Path
    prefix: str = ""

    def section(self, name: str, known: tuple[str, ...]) -> _Table:
        value = self.values.get(name, {})
        if not isinstance(value, dict):
            raise DataFileError(self.path, f"expected a [{self.prefix}{name}] table", field=f"{self.prefix}{name}")
        unknown = sorted(set(value) - set(known))
        if unknown:
            msg = f"unknown setting; expected one of {', '.join(known)}"
            raise DataFileError(self.path, msg, field=f"{self.prefix}{name}.{unknown[0]}")
        return _Table(value, self.path, f"{self.prefix}{name}.")

    def get(self, name: str, kind: type | tuple[type, ...], expected: str) -> Any:
        value = self.values.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise DataFileError(self.path, f"{value!r}; expected {expected}", field=f"{self.prefix}{name}")
        return value

    def text(self, name: str, expected: str = "a path string") -> str | None:
        value = self.values.get(name)
        if value is not None and not isinstance(value, str):
            raise DataFileError(self.path, f"expected {expected}", field=f"{self.prefix}{name}")
        return value


def _road_settings(toml: _Table, env: Mapping[str, str], source: Path | None) -> RoadSettings:
    roads = toml.section("roads", ("network", "max_snap_km", "speeds", "proxy_detour", "proxy_speed_kmh"))
    max_snap = roads.get("max_snap_km", (int, float), "kilometres (a number)")
    speeds = roads.section("speeds", tuple(roads.values.get("speeds", {}) or ()))
    detour = roads.get("proxy_detour", (int, float), "road distance / straight line (a number)")
    speed = roads.get("proxy_speed_kmh", (int, float), "km/h (a number)")
    return RoadSettings(
        network=env.get(ROADS_ENV) or roads.text("network", "the name of a network under data/roads/"),
        max_snap_km=5.0 if max_snap is None else float(max_snap),
        speeds=dict(speeds.values),
        proxy_detour=1.32 if detour is None else float(detour),
        proxy_speed_kmh=40.0 if speed is None else float(speed),
        source=source or toml.path,
    )


def _planner_settings(toml: _Table, source: Path | None) -> PlannerSettings:
    table = toml.section(
        "planner", ("shift", "lunch_minutes", "lunch_window", "weekdays", "stop_minutes", "visit_every_weeks")
    )
    default = PlannerSettings()
    shift = table.get("shift", str, "HH:MM-HH:MM")
    start, _, end = (shift or default.shift).partition("-")
    lunch = table.get("lunch_minutes", (int, float), "minutes (a number)")
    weekdays = table.get("weekdays", list, 'a list of weekdays such as ["Mon", "Tue"]')
    return PlannerSettings(
        shift_start=start.strip(),
        shift_end=end.strip(),
        lunch_minutes=default.lunch_minutes if lunch is None else float(lunch),
        lunch_window=table.get("lunch_window", str, "HH:MM-HH:MM") or default.lunch_window,
        weekdays=default.weekdays if weekdays is None else tuple(str(d) for d in weekdays),
        stop_minutes=_bands(table, "stop_minutes") or default.stop_minutes,
        visit_every_weeks=_bands(table, "visit_every_weeks") or default.visit_every_weeks,
        source=source,
    )


def _bands(table: _Table, name: str) -> Bands | None:
    value = table.get(name, list, "a list of [from population, value] pairs")
    if value is None:
        return None
    pairs = [p for p in value if isinstance(p, list) and len(p) == 2 and all(isinstance(x, int | float) for x in p)]
    if len(pairs) != len(value):
        raise DataFileError(table.path, "expected [from population, value] pairs of numbers", field=f"planner.{name}")
    return tuple((int(a), float(b)) for a, b in pairs)
