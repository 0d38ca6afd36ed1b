"""The derived files in data/ are exactly what the build scripts make from data/raw/."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import EMBEDDED_DATA

DERIVED = [
    "villages/villages.csv",
    "postcodes/postcodes.csv",
    "basemap/basemap.geojson",
    *(f"services/{t}.json" for t in (
        "taxonomies", "taxonomy_terms", "organizations", "services", "locations",
        "service_at_locations", "schedules", "contacts", "phones",
    )),
]  # fmt: skip


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rebuilt")
    for script in ("build_villages.py", "build_services.py", "build_basemap.py"):
        subprocess.run([sys.executable, str(EMBEDDED_DATA / script), "--out", str(out)], check=True)
    return out


@pytest.mark.parametrize("relative", DERIVED)
def test_rebuild_reproduces_committed_file(rebuilt: Path, relative: str) -> None:
    assert (rebuilt / relative).read_bytes() == (EMBEDDED_DATA / relative).read_bytes()


def _build_services() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_services", EMBEDDED_DATA / "build_services.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("hunslib@ firstforwellbeing.co.uk", "hunslib@firstforwellbeing.co.uk"),
        (" Wolverton.Library@milton-keynes.gov.uk ", "Wolverton.Library@milton-keynes.gov.uk"),
        ("lib-buc@buckscc.gov,uk", None),
        ("a@b@example.org", None),
        ("library@localhost", None),
        ("", None),
        ("see website", None),
    ],
)
def test_emails_are_normalised_or_dropped(raw: str, clean: str | None) -> None:
    assert _build_services().clean_email(raw) == clean
