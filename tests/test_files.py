"""Atomic files and folders (``outreach_map._files``): killed writers leave the previous version whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from outreach_map._files import private_folder, replace_folder, visible_folders, write_text_atomic

from .killing import run_and_kill

EXPORT_CHILD = """
from pathlib import Path
from outreach_map._files import write_text_atomic
write_text_atomic(Path("coverage.csv"), "village,minutes\\n" + "badby,12\\n" * 200_000)
"""


def test_an_export_killed_mid_write_leaves_the_old_file_and_its_leftover_goes(tmp_path: Path) -> None:
    target = tmp_path / "coverage.csv"
    write_text_atomic(target, "village,minutes\nbadby,9\n")
    assert run_and_kill(EXPORT_CHILD, after=1, cwd=tmp_path) == 1  # killed after writing, before the rename
    assert target.read_text(encoding="utf-8") == "village,minutes\nbadby,9\n"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "coverage.csv"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".coverage.csv.") and leftovers[0].endswith(".tmp")
    write_text_atomic(target, "village,minutes\nbadby,10\n")  # the next writer removes what the dead one left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coverage.csv"]
    assert run_and_kill(EXPORT_CHILD, after=0, cwd=tmp_path, pause=0) == 2  # the file, then its folder
    assert target.read_text(encoding="utf-8").count("badby,12") == 200_000


def test_atomic_files_keep_their_mode_and_new_ones_follow_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    old = os.umask(0o027)
    try:
        write_text_atomic(target, "one")
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
        target.chmod(0o600)
        write_text_atomic(target, "two")
        assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_text() == "two"
    finally:
        os.umask(old)


def test_a_failed_folder_write_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "net"
    with replace_folder(target) as tmp:
        (tmp / "a.txt").write_text("first")
    try:
        with replace_folder(target) as tmp:
            (tmp / "a.txt").write_text("second")
            raise RuntimeError("disk full")
    except RuntimeError:
        pass
    assert (target / "a.txt").read_text() == "first"
    assert visible_folders(tmp_path) == [target]
    assert sorted(p.name for p in (tmp_path / ".net.versions").iterdir())[0] == "lock"
    assert len(list((tmp_path / ".net.versions").iterdir())) == 2  # the lock and the live version, no temporary


def test_private_folders_are_made_0700_all_the_way_down(tmp_path: Path) -> None:
    folder = private_folder(tmp_path / "cache" / "outreach-map" / "proxy")
    for path in (folder, folder.parent, folder.parent.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    (tmp_path / "open").mkdir(mode=0o755)
    assert stat.S_IMODE(private_folder(tmp_path / "open").stat().st_mode) == 0o700
