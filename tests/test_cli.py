from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from outreach_map.cli import main
from outreach_map.config import DATA_DIR_ENV


def test_info_summarises_tiny_data(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "info"])
    assert result.exit_code == 0, result.output
    assert "  Daventry                        3      28,788          2" in result.output
    assert "Former Daventry + South Northamptonshire: 5 places, 39,961 people" in result.output
    assert "  library                      2        0       1             0" in result.output
    assert "  domestic-abuse-support       0        1       0             1" in result.output
    assert "plus 1 services without a location (helplines): Helpline" in result.output
    assert "Postcodes: 3" in result.output
    assert "Contains OS data (c) Crown copyright and database right 2024" in result.output


def test_info_reads_data_dir_from_environment(tiny_data: Path) -> None:
    result = CliRunner().invoke(main, ["info"], env={DATA_DIR_ENV: str(tiny_data)})
    assert result.exit_code == 0
    assert "Postcodes: 3" in result.output


def test_bad_data_exits_2_with_one_line(tiny_data: Path) -> None:
    villages = tiny_data / "villages" / "villages.csv"
    villages.write_text(villages.read_text(encoding="utf-8").replace("hamlet", "farm"), encoding="utf-8")
    result = CliRunner().invoke(main, ["--data-dir", str(tiny_data), "info"])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {villages}: line 6: field 'kind': unknown kind 'farm'; expected one of town, village, hamlet\n"
    )


def test_missing_data_dir_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "none"), "info"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_console_script_prints_no_traceback(tiny_data: Path) -> None:
    (tiny_data / "services" / "locations.json").write_text("[{", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "outreach_map", "--data-dir", str(tiny_data), "info"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "locations.json: line 1: invalid JSON" in done.stderr
