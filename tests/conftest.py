"""Tiny named fixtures: a five-village data set that is easy to reason about."""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATA = PROJECT_ROOT / "data"

VILLAGE_HEADER = [
    "id", "name", "kind", "lat", "lon", "district", "postcode_district",
    "population", "population_source", "source",
]  # fmt: skip

#: Five villages: two market towns, two villages and a hamlet, one estimated.
FIVE_VILLAGES = [
    ["daventry", "Daventry", "town", "52.2569", "-1.1607", "Daventry", "NN11", "28123", "geonames", "test"],
    ["towcester", "Towcester", "town", "52.131913", "-0.988511", "South Northamptonshire", "NN12", "9057", "geonames", "test"],
    ["kings-sutton", "King's Sutton", "village", "52.0216", "-1.2757", "South Northamptonshire", "OX17", "2116", "geonames", "test"],
    ["badby", "Badby", "village", "52.2245", "-1.1780", "Daventry", "NN11", "640", "estimated", "test"],
    ["nobottle", "Nobottle", "hamlet", "52.2440", "-0.9990", "Daventry", "NN7", "25", "estimated", "test"],
]  # fmt: skip

POSTCODE_HEADER = ["postcode", "lat", "lon", "source"]
THREE_POSTCODES = [
    ["NN11 4AB", "52.2560", "-1.1620", "os-open-names-2024"],
    ["NN12 6AA", "52.1330", "-0.9900", "os-open-names-2024"],
    ["OX17 3QA", "52.0200", "-1.2750", "codepoint-open-2014"],
]

U = "00000000-0000-4000-8000-{:012d}"


def uid(n: int) -> str:
    return U.format(n)


def tiny_directory() -> dict[str, list[dict[str, Any]]]:
    """Two kinds: an open and a closed library, an EXAMPLE confidential refuge and a helpline."""
    tax = uid(1)
    library, refuge_kind = uid(2), uid(3)
    org_lib, org_refuge = uid(10), uid(12)
    svc_lib, svc_old, svc_refuge, svc_line = uid(20), uid(21), uid(22), uid(23)
    loc_lib, loc_old, loc_refuge = uid(30), uid(31), uid(32)

    def attr(n: int, service: str, term: str) -> list[dict[str, Any]]:
        return [{"id": uid(n), "link_id": service, "link_type": "service", "taxonomy_term_id": term}]

    return {
        "taxonomies": [{"id": tax, "name": "kinds", "description": "Service kinds"}],
        "taxonomy_terms": [
            {"id": library, "term": "library", "name": "Library", "description": "Library", "taxonomy_id": tax},
            {"id": refuge_kind, "term": "domestic-abuse-support", "name": "DA", "description": "DA", "taxonomy_id": tax},
        ],
        "organizations": [
            {"id": org_lib, "name": "Northamptonshire Libraries", "description": "Libraries"},
            {"id": org_refuge, "name": "Refuge", "description": "Charity"},
        ],
        "services": [
            {"id": svc_lib, "organization_id": org_lib, "name": "Daventry Library", "status": "active",
             "attributes": attr(40, svc_lib, library)},
            {"id": svc_old, "organization_id": org_lib, "name": "Old Towcester Library", "status": "defunct",
             "attributes": attr(41, svc_old, library)},
            {"id": svc_refuge, "organization_id": org_refuge, "name": "EXAMPLE - Refuge", "status": "active",
             "example": True, "attributes": attr(42, svc_refuge, refuge_kind), "public_contact_service_id": svc_line},
            {"id": svc_line, "organization_id": org_refuge, "name": "Helpline", "status": "active",
             "attributes": attr(43, svc_line, refuge_kind)},
        ],
        "locations": [
            {"id": loc_lib, "location_type": "physical", "name": "Abbey Centre", "latitude": 52.2569,
             "longitude": -1.1607},
            {"id": loc_old, "location_type": "physical", "name": "Richmond Road", "latitude": 52.1319,
             "longitude": -0.9885},
            {"id": loc_refuge, "location_type": "physical", "name": "EXAMPLE - Refuge", "latitude": 52.19,
             "longitude": -1.07, "example": True, "confidential": True},
        ],
        "service_at_locations": [
            {"id": uid(50), "service_id": svc_lib, "location_id": loc_lib},
            {"id": uid(51), "service_id": svc_old, "location_id": loc_old},
            {"id": uid(52), "service_id": svc_refuge, "location_id": loc_refuge, "example": True},
        ],
        "schedules": [
            {"id": uid(60), "service_at_location_id": uid(50), "freq": "WEEKLY", "interval": 1, "byday": "MO,TU",
             "opens_at": "09:00:00", "closes_at": "17:00:00", "description": "Mondays and Tuesdays"},
        ],
        "contacts": [{"id": uid(70), "service_id": svc_line, "name": "Helpline"}],
        "phones": [{"id": uid(80), "contact_id": uid(70), "number": "0808 2000 247"}],
    }  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_directory(folder: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, records in tables.items():
        (folder / f"{table}.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    return folder


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """A data directory with five villages, three postcodes and the tiny directory."""
    data = tmp_path / "data"
    write_csv(data / "villages" / "villages.csv", VILLAGE_HEADER, FIVE_VILLAGES)
    write_csv(data / "postcodes" / "postcodes.csv", POSTCODE_HEADER, THREE_POSTCODES)
    write_directory(data / "services", tiny_directory())
    return data


@pytest.fixture
def make_directory(tmp_path: Path) -> Callable[[Callable[[dict[str, list[dict[str, Any]]]], None]], Path]:
    """Write the tiny directory after a mutation, for bad-input tests."""

    def make(mutate: Callable[[dict[str, list[dict[str, Any]]]], None]) -> Path:
        tables = copy.deepcopy(tiny_directory())
        mutate(tables)
        return write_directory(tmp_path / "services", tables)

    return make


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests hash passwords with cheap PBKDF2 rounds (checking is the same code; the site uses scrypt)."""
    from werkzeug import security

    import outreach_map.accounts

    monkeypatch.setattr(
        outreach_map.accounts, "generate_password_hash",
        lambda password: security.generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )  # fmt: skip


@pytest.fixture(autouse=True)
def _private_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's commands keep their database and keys in a folder of their own, never in instance/."""
    monkeypatch.setenv("OUTREACH_INSTANCE_DIR", str(tmp_path / "instance"))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Matrices are cached in a temporary folder, never in the user's home."""
    monkeypatch.setenv("OUTREACH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


# --- databases: SQLite always, PostgreSQL where a server is given (always in CI) -----------------------------------

POSTGRES_ENV = "OUTREACH_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """A PostgreSQL superuser URL (``.ci/run`` starts Debian's server and sets it); skipped only outside CI."""
    import os

    from sqlalchemy import create_engine, text

    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test PostgreSQL: set {POSTGRES_ENV} (.ci/run starts a server)")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}, a superuser URL (.ci/run starts Debian's postgresql)")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {POSTGRES_ENV} is not reachable: {exc.__class__.__name__}")
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is not reachable: {exc.__class__.__name__}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def _migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Migrate once per test session; each test then starts from a copy (a SQLite file, a PostgreSQL template)."""
    templates: dict[str, Any] = {"root": tmp_path_factory.mktemp("db-templates")}
    yield templates
    if "postgresql" in templates:
        from sqlalchemy import create_engine, text

        admin = create_engine(templates["server"], isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{templates["postgresql"]}" WITH (FORCE)'))
        admin.dispose()


def _sqlite_template(templates: dict[str, Any]) -> Path:
    if "sqlite" not in templates:
        from outreach_map.db.engine import open_engine
        from outreach_map.db.migrate import upgrade

        path = templates["root"] / "template.db"
        engine = open_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        templates["sqlite"] = path
    return Path(templates["sqlite"])


def _postgres_template(templates: dict[str, Any], server: str) -> str:
    if "postgresql" not in templates:
        import uuid

        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from outreach_map.db.engine import open_engine
        from outreach_map.db.migrate import upgrade

        name = f"outreach_template_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = open_engine(make_url(server).set(database=name).render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()
        templates["postgresql"], templates["server"] = name, server
    return str(templates["postgresql"])


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, _migrated_templates: dict[str, Any]) -> Any:
    """A database at the newest schema: a SQLite file, and a fresh PostgreSQL database dropped after the test.

    Tests that migrate themselves use :func:`empty_db_url`.
    """
    if request.param == "sqlite":
        import shutil

        target = tmp_path / "outreach.db"
        shutil.copyfile(_sqlite_template(_migrated_templates), target)
        target.chmod(0o600)
        yield f"sqlite:///{target}"
        return
    server = request.getfixturevalue("postgres_server")
    yield from _postgres_database(server, template=_postgres_template(_migrated_templates, server))


def _postgres_database(server: str, *, template: str | None = None) -> Any:
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"outreach_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """An empty database (no tables): for the migration tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'outreach.db'}"
        return
    yield from _postgres_database(request.getfixturevalue("postgres_server"))


# --- the job queue's Redis: from .ci/run (OUTREACH_TEST_REDIS_URL), else a server started here ----------------------

REDIS_ENV = "OUTREACH_TEST_REDIS_URL"


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A Redis URL: ``OUTREACH_TEST_REDIS_URL`` (``.ci/run`` starts Debian's redis-server), else one started here.

    Skipped with a message only outside CI, where neither is available.
    """
    import os
    import shutil
    import socket
    import subprocess
    import time

    url = os.environ.get(REDIS_ENV)
    if url:
        if not _redis_answers(url):
            if os.environ.get("CI"):
                pytest.fail(f"Redis at {REDIS_ENV} does not answer")
            pytest.skip(f"Redis at {REDIS_ENV} does not answer")
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the Redis queue: set {REDIS_ENV} (.ci/run starts redis-server)")
        pytest.skip(f"Redis tests need {REDIS_ENV} or redis-server on PATH (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _redis_answers(url):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The test Redis, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    client.close()
    return redis_server


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request: pytest.FixtureRequest) -> str | None:
    """The job queue's storage: SQLite in the instance folder (``None``), and Redis."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("redis_url"))


#: Ids of the tiny directory used by the directory tests.
ORG_LIBRARIES, ORG_REFUGE = uid(10), uid(12)
SVC_LIBRARY, SVC_OLD_LIBRARY, SVC_REFUGE, SVC_HELPLINE = uid(20), uid(21), uid(22), uid(23)
LOC_LIBRARY, LOC_REFUGE = uid(30), uid(32)
PASSWORD = "correct horse battery"


@pytest.fixture
def seeded(db_url: str, tiny_data: Path) -> Any:
    """The tiny directory in a database, with staff: libby edits for the libraries, rita for Refuge, ada is lead admin."""
    from outreach_map.accounts import add_membership, add_user
    from outreach_map.db.engine import open_engine
    from outreach_map.directory.store import ensure_directory

    engine = open_engine(db_url)
    ensure_directory(engine, tiny_data / "services", lead_organization=None)
    add_user(engine, "libby", "editor", PASSWORD, email="libby@example.org")
    add_membership(engine, "libby", ORG_LIBRARIES, "editor")
    add_user(engine, "rita", "editor", PASSWORD, email="rita@example.org")
    add_membership(engine, "rita", ORG_REFUGE, "admin")
    add_user(engine, "ada", "admin", PASSWORD)
    yield engine
    engine.dispose()


@pytest.fixture
def smtp_server() -> Any:
    """A local SMTP server (aiosmtpd) that keeps every message it receives."""
    import email
    import socket

    from aiosmtpd.controller import Controller

    class Keep:
        def __init__(self) -> None:
            self.messages: list[email.message.Message] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line saying on which databases the database tests ran (CI logs quote it)."""
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []):
        if report.when == "call":
            for name in ("sqlite", "postgresql", "redis"):
                if f"[{name}" in report.nodeid:
                    counts[name] = counts.get(name, 0) + 1
    if counts:
        ran = ", ".join(f"{name} {n} passed" for name, n in sorted(counts.items()))
        terminalreporter.write_line(f"database and queue tests: {ran}")
