"""The derived files in data/ are exactly what the build scripts make from data/raw/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EMBEDDED_DATA

DERIVED = [
    "villages/villages.csv",
    "postcodes/postcodes.csv",
    *(f"services/{t}.json" for t in (
        "taxonomies", "taxonomy_terms", "organizations", "services", "locations",
        "service_at_locations", "schedules", "contacts", "phones",
    )),
]  # fmt: skip


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rebuilt")
    for script in ("build_villages.py", "build_services.py"):
        subprocess.run([sys.executable, str(EMBEDDED_DATA / script), "--out", str(out)], check=True)
    return out


@pytest.mark.parametrize("relative", DERIVED)
def test_rebuild_reproduces_committed_file(rebuilt: Path, relative: str) -> None:
    assert (rebuilt / relative).read_bytes() == (EMBEDDED_DATA / relative).read_bytes()
