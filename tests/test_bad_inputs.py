"""The bad-input corpus (tests/bad_inputs/): every broken file, form field and query parameter gets a clear,
short error naming the file, line and field (CLI: exit 2, one line) or HTTP 400 with a message, and nothing
changes on disk or in the database (hashed before and after)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from outreach_map.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
MAX_MESSAGE = 4100


def _files(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).iterdir())


def _fingerprint(*roots: Path) -> str:
    """Every file under the roots (SQLite databases by their content, not their pages)."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix in (".db-wal", ".db-shm") or path.name.endswith(("-wal", "-shm")):
                continue
            digest.update(str(path.relative_to(root)).encode())
            if path.suffix == ".db":
                with sqlite3.connect(path) as connection:
                    for line in connection.iterdump():
                        digest.update(line.encode())
            else:
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _one_clear_line(output: str, *names: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output[:2000]
    line = lines[0]
    assert line.startswith("error: "), line[:300]
    assert "Traceback" not in output
    assert len(line) <= MAX_MESSAGE, f"{len(line)} characters: {line[:300]}..."
    assert not any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E for c in line), repr(line[:300])
    for name in names:
        assert name in line, line
    return line


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "instance"
    monkeypatch.setenv("OUTREACH_INSTANCE_DIR", str(folder))
    return folder


def _run(args: list[str], *roots: Path) -> tuple[str, int, bool]:
    before = _fingerprint(*(r for r in roots if r.exists()))
    result = CliRunner().invoke(main, args)
    after = _fingerprint(*(r for r in roots if r.exists()))
    return result.output, result.exit_code, before == after


@pytest.mark.parametrize("bad", _files("villages"), ids=lambda p: p.name)
def test_a_bad_villages_file(bad: Path, tiny_data: Path, instance: Path) -> None:
    shutil.copyfile(bad, tiny_data / "villages" / "villages.csv")
    output, code, unchanged = _run(["--data-dir", str(tiny_data), "info"], tiny_data, instance.parent)
    assert code == 2
    _one_clear_line(output, "villages.csv")
    assert unchanged and not instance.exists()


@pytest.mark.parametrize("bad", _files("postcodes"), ids=lambda p: p.name)
def test_a_bad_postcodes_file(bad: Path, tiny_data: Path, instance: Path) -> None:
    shutil.copyfile(bad, tiny_data / "postcodes" / "postcodes.csv")
    output, code, unchanged = _run(["--data-dir", str(tiny_data), "info"], tiny_data, instance.parent)
    assert code == 2
    _one_clear_line(output, "postcodes.csv", "line ")
    assert unchanged


@pytest.mark.parametrize("bad", _files("candidates"), ids=lambda p: p.name)
def test_a_bad_candidates_file(bad: Path, tiny_data: Path, instance: Path) -> None:
    args = ["--data-dir", str(tiny_data), "suggest", "--kind", "library", "--sites", "1", "--threshold", "15",
            "--candidates", str(bad)]  # fmt: skip
    output, code, unchanged = _run(args, tiny_data)
    assert code == 2
    _one_clear_line(output, bad.name, "line ")
    assert unchanged


@pytest.mark.parametrize("bad", _files("openreferral"), ids=lambda p: p.name)
def test_a_bad_open_referral_import(bad: Path, tiny_data: Path, instance: Path) -> None:
    assert CliRunner().invoke(main, ["--data-dir", str(tiny_data), "info"]).exit_code == 0  # the directory exists
    output, code, unchanged = _run(["--data-dir", str(tiny_data), "directory", "import", str(bad)], instance)
    assert code == 2
    _one_clear_line(output, bad.name)
    assert unchanged


@pytest.mark.parametrize("bad", _files("requests"), ids=lambda p: p.name)
def test_a_bad_timetable_request(bad: Path, tiny_data: Path, instance: Path, tmp_path: Path) -> None:
    out = tmp_path / "routes" / "bad"
    args = ["--data-dir", str(tiny_data), "plan", "--config", str(bad), "--out", str(out), "--time-limit", "1"]
    output, code, unchanged = _run(args, tiny_data)
    assert code == 2
    _one_clear_line(output, bad.name)
    assert unchanged and not out.exists()


@pytest.mark.parametrize("bad", _files("osm"), ids=lambda p: p.name)
def test_a_bad_osm_extract(bad: Path, tiny_data: Path, instance: Path) -> None:
    output, code, unchanged = _run(
        ["--data-dir", str(tiny_data), "roads", "import", str(bad), "--name", "x"], tiny_data
    )
    assert code == 2
    _one_clear_line(output, bad.name)
    assert unchanged and not (tiny_data / "roads" / "x").exists()


@pytest.mark.parametrize("bad", _files("geojson"), ids=lambda p: p.name)
def test_a_bad_motorways_file(bad: Path, tiny_data: Path, instance: Path) -> None:
    target = tiny_data / "raw" / "os_openroads_motorways_westnorthants_bbox.geojson"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(bad, target)
    output, code, unchanged = _run(["--data-dir", str(tiny_data), "travel", "Badby", "Daventry"], tiny_data)
    assert code == 2
    _one_clear_line(output, target.name)
    assert unchanged


CaseMaker = Callable[[], tuple[str, str, dict[str, str] | None]]
LONG = "x" * 100_000
WEB_CASES = [
    ("GET", "/search?q=" + LONG, None),
    ("GET", "/search?q=Bad%00by", None),
    ("GET", "/search?q=%E2%80%AEybdaB", None),
    ("GET", "/api/openreferral/services?search=" + LONG, None),
    ("GET", "/api/openreferral/services?search=lib%00rary", None),
    ("GET", "/api/openreferral/services?search=%E2%80%AEyrarbil", None),
    ("GET", "/api/openreferral/services?page=1%27%20OR%201%3D1", None),
    ("GET", "/api/openreferral/services?per_page=<script>", None),
    ("GET", "/api/openreferral/service_at_locations?postcode=" + LONG, None),
    ("GET", "/api/openreferral/service_at_locations?lat=nan&lon=1", None),
    ("GET", "/api/openreferral/service_at_locations?lat=52&lon=-1&proximity=1e309", None),
    ("GET", "/api/coverage?kind=library&threshold=%00", None),
    ("GET", "/api/coverage?kind=<b>", None),
]


@pytest.mark.parametrize(("method", "path", "data"), WEB_CASES, ids=lambda v: str(v)[:40] if isinstance(v, str) else "")
def test_bad_query_parameters_answer_400(method: str, path: str, data: dict[str, str] | None, tiny_data: Path,
                                         instance: Path, tmp_path: Path) -> None:  # fmt: skip
    from outreach_map.web import create_app

    app = create_app(test_config={"TESTING": True, "DATA_DIR": str(tiny_data), "TILES": "none",
                                  "SECRET_KEY": "bad-inputs", "ROUTES_DIR": str(tmp_path / "routes"),
                                  "CACHE_DIR": str(tmp_path / "cache")})  # fmt: skip
    client = app.test_client()
    client.get("/")  # the database exists before the hash
    before = _fingerprint(instance, tiny_data)
    response = client.open(path, method=method, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400, (path[:80], response.status_code, body[:300])
    assert "Traceback" not in body and LONG not in body and "\x00" not in body and "\u202e" not in body
    assert "<script>" not in body and "<b>" not in body
    assert _fingerprint(instance, tiny_data) == before


@pytest.mark.parametrize("bad", _files("plans"), ids=lambda p: p.name)
def test_check_plan_on_a_corrupt_or_contradictory_plan(bad: Path, tmp_path: Path, instance: Path) -> None:
    folder = tmp_path / "routes" / "broken"
    folder.mkdir(parents=True)
    shutil.copyfile(bad, folder / "plan.json")
    result = CliRunner().invoke(main, ["check-plan", str(folder)])
    assert result.exit_code in (1, 2), result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)
    if result.exit_code == 2:
        _one_clear_line(result.output, "plan.json")
    else:
        assert "OK" not in result.output


@pytest.mark.parametrize("bad", _files("networks"), ids=lambda p: p.name)
def test_a_damaged_road_network(bad: Path, tiny_data: Path, instance: Path) -> None:
    folder = tiny_data / "roads" / "westnorthants-proxy"
    shutil.copytree(Path(__file__).resolve().parent.parent / "data" / "roads" / "westnorthants-proxy", folder)
    shutil.copyfile(bad, folder / ("network.json" if bad.suffix == ".json" else "network.npz"))
    output, code, unchanged = _run(["--data-dir", str(tiny_data), "travel", "Badby", "Daventry"], tiny_data)
    assert code == 2
    _one_clear_line(output, "network")
    assert unchanged


def test_an_unwritable_out_is_refused_before_planning(tiny_data: Path, instance: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("a file where a folder should be\n")
    request = tmp_path / "r.toml"
    request.write_text('[plan]\nid = "x"\nstart_date = 2027-01-04\n[[vans]]\nid = "v"\ndepot = "daventry"\n')
    try:
        args = ["--data-dir", str(tiny_data), "plan", "--config", str(request), "--out", str(blocked / "x"),
                "--time-limit", "60"]  # fmt: skip
        import time

        start = time.perf_counter()
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        _one_clear_line(result.output, "--out")
        assert time.perf_counter() - start < 30, "refused only after solving"
    finally:
        assert blocked.read_text() == "a file where a folder should be\n"


def test_serve_on_a_port_in_use(tiny_data: Path, instance: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "serve", "--port", str(port)])
    assert result.exit_code == 2, result.output
    assert f"port {port}" in result.output and "Traceback" not in result.output
