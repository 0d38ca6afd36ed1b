"""Atomic writes: a file or a whole folder appears complete or not at all (private helpers).

Files (:func:`write_text_atomic`): the text goes to a hidden temporary file
beside the target (named with the writer's process id), is flushed to disk,
then renamed over the target. A writer killed at any moment leaves the
previous file whole; its temporary file is removed by the next writer once
its process is gone.

Folders (:func:`replace_folder`, for published timetables and road networks):
``parent/<name>`` is a symbolic link to a complete version in the hidden
folder ``parent/.<name>.versions/``. A new version is written to a hidden
temporary folder there, flushed, renamed into place, and only then does the
link switch to it, by one rename over the old link. Readers see the old
version or the new one, never a mix; a writer killed at any moment leaves
the old version live. One writer at a time per folder (a lock file in the
versions folder); the version before the live one is kept for readers still
in it and removed by the next writer, with every other leftover. Hidden
entries are never read as content: listings skip every name starting with
a dot. A real folder from before versions becomes the first version.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "LOCK_TIMEOUT_S",
    "VERSIONS_SUFFIX",
    "is_hidden",
    "live_version",
    "private_folder",
    "remove_folder",
    "repair_folder",
    "replace_folder",
    "visible_folders",
    "write_bytes_atomic",
    "write_text_atomic",
]

#: The hidden folder beside ``<name>`` that holds its versions: ``.<name>.versions``.
VERSIONS_SUFFIX = ".versions"
#: How long a writer waits for another writer of the same folder.
LOCK_TIMEOUT_S = 60.0
_LOCK_FILE = "lock"
_TMP_PREFIX = ".tmp-"
#: The leftovers of the earlier scheme (a temporary folder ``.<name>.XXXXXXXX`` and ``.<name>.old``).
_OLD_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<tag>[a-z0-9_]{8}|old)$")


def is_hidden(path: Path) -> bool:
    """Whether a name is hidden (starts with a dot): never read as content."""
    return path.name.startswith(".")


def visible_folders(parent: Path) -> list[Path]:
    """The folders (or links to folders) directly in ``parent`` whose names are not hidden, sorted."""
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if not is_hidden(p) and p.is_dir())


def private_folder(path: Path) -> Path:
    """Create ``path`` and any missing parents readable by the owner only (0700); make ``path`` itself 0700."""
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
    path.chmod(0o700)
    return path


def _umask() -> int:
    """The process's umask, read without changing it (Linux), else the usual 022."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_dead_temps(path: Path) -> None:
    """Temporary files of ``path`` left by writers that no longer run."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.[^.]+\.tmp$")
    for candidate in path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"):
        found = pattern.match(candidate.name)
        if found and not _alive(int(found.group(1))):
            candidate.unlink(missing_ok=True)


def _glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file (UTF-8, newlines as given) atomically: see :func:`write_bytes_atomic`."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write a file via a hidden temporary file beside it, flushed to disk, and a rename.

    The file gets ``mode``, else keeps the mode of the one it replaces (a new
    one gets 0666 less the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_temps(path)
    if mode is None:
        mode = path.stat().st_mode & 0o777 if path.is_file() else 0o666 & ~_umask()
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- versioned folders -----------------------------------------------------------------------------------------


def _store(target: Path) -> Path:
    return target.with_name(f".{target.name}{VERSIONS_SUFFIX}")


def _version_name() -> str:
    return f"v-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(3)}"


def _versions(store: Path) -> list[Path]:
    """Complete versions, oldest first (names sort by time)."""
    return sorted(p for p in store.iterdir() if p.name.startswith("v-") and p.is_dir()) if store.is_dir() else []


def live_version(target: Path) -> Path | None:
    """The version folder ``target`` points to (``None`` for a real folder from before versions, or none)."""
    if not target.is_symlink():
        return None
    resolved = target.parent / target.readlink()
    return resolved if resolved.is_dir() else None


@contextmanager
def _locked(store: Path, timeout: float) -> Iterator[None]:
    """One writer at a time for a folder: an exclusive lock on ``store/lock``, waited for up to ``timeout``."""
    fd = os.open(store / _LOCK_FILE, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    msg = f"{store.name[1 : -len(VERSIONS_SUFFIX)]} is being written by another process"
                    raise TimeoutError(msg) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _point(target: Path, version: Path) -> None:
    """Switch the link ``target`` to ``version`` with one rename (a new link beside it first)."""
    link = target.with_name(f".{target.name}.link-{secrets.token_hex(4)}")
    link.symlink_to(os.path.relpath(version, target.parent))
    try:
        link.replace(target)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _adopt(target: Path, store: Path) -> None:
    """Bring ``target`` under versions: a real folder (or the earlier scheme's ``.old``) becomes the first version."""
    old = target.with_name(f".{target.name}.old")
    if target.is_symlink():
        if live_version(target) is None:  # a link to nothing (cannot happen by this module): the newest version
            versions = _versions(store)
            if versions:
                _point(target, versions[-1])
        return
    source = target if target.is_dir() else old if old.is_dir() else None
    if source is None:  # killed between adopting a folder and linking it: the adopted one is the newest
        versions = _versions(store)
        if versions:
            _point(target, versions[-1])
        return
    version = store / f"{_version_name()}-adopted"
    source.rename(version)
    _fsync_dir(store)
    _point(target, version)  # between the rename and this a reader finds no folder, once, for an old folder


def _clean(target: Path, store: Path, *, keep: set[Path]) -> None:
    """Remove every version but ``keep``, temporary folders and links, and the earlier scheme's leftovers."""
    for entry in store.iterdir():
        if entry.name != _LOCK_FILE and entry not in keep:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
    for entry in target.parent.glob(f".{_glob_escape(target.name)}.*"):
        found = _OLD_TEMP.match(entry.name)
        if entry.is_symlink() and entry.name.startswith(f".{target.name}.link-"):
            entry.unlink(missing_ok=True)
        elif (
            found
            and found.group("name") == target.name
            and entry != store
            and entry.is_dir()
            and not entry.is_symlink()
        ):
            shutil.rmtree(entry, ignore_errors=True)


def repair_folder(target: Path, *, timeout: float | None = None) -> None:
    """After a writer was killed: the live version as it was, leftovers removed (nothing if there is nothing to do)."""
    store = _store(target)
    leftovers = list(target.parent.glob(f".{_glob_escape(target.name)}.*"))
    if not leftovers and not target.is_symlink():
        return
    store.mkdir(exist_ok=True)
    with _locked(store, LOCK_TIMEOUT_S if timeout is None else timeout):
        _adopt(target, store)
        live = live_version(target)
        _clean(target, store, keep={live} if live else set())


@contextmanager
def replace_folder(target: Path, *, timeout: float | None = None) -> Iterator[Path]:
    """Yield an empty hidden folder; when the block ends without error its contents become ``target``.

    ``target`` then links to the new version; on any error, or if the process
    is killed, ``target`` stays as it was.

    Raises
    ------
    TimeoutError
        When another process has been writing the same folder for ``timeout`` seconds
        (:data:`LOCK_TIMEOUT_S` by default).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    store = _store(target)
    store.mkdir(exist_ok=True)
    with _locked(store, LOCK_TIMEOUT_S if timeout is None else timeout):
        _adopt(target, store)
        previous = live_version(target)
        _clean(target, store, keep={previous} if previous else set())
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=store))
        tmp.chmod(0o755)
        try:
            yield tmp
            for path in tmp.rglob("*"):
                if path.is_file():
                    with path.open("rb") as handle:
                        os.fsync(handle.fileno())
            _fsync_dir(tmp)
            version = store / _version_name()
            tmp.rename(version)
            _fsync_dir(store)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _point(target, version)
        _clean(target, store, keep={version} | ({previous} if previous else set()))


def remove_folder(target: Path, *, timeout: float | None = None) -> None:
    """Withdraw ``target``: the link (or an old real folder) goes first, then its versions."""
    store = _store(target)
    store.mkdir(exist_ok=True)
    with _locked(store, LOCK_TIMEOUT_S if timeout is None else timeout):
        if target.is_symlink():
            target.unlink()
        elif target.is_dir():
            hidden = target.with_name(f".{target.name}.old")
            target.rename(hidden)
            shutil.rmtree(hidden, ignore_errors=True)
        _fsync_dir(target.parent)
        _clean(target, store, keep=set())
    shutil.rmtree(store, ignore_errors=True)
