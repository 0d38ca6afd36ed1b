"""Run a writer in a child process and kill it (SIGKILL) at a chosen moment of its write.

The child's ``os.fsync`` is wrapped to print one line and pause before each
flush to disk, so the parent can kill it after the ``n``-th: between any two
steps of an atomic write.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

PRELUDE = """
import os, sys, time
_real_fsync = os.fsync
def _slow_fsync(fd):
    print("fsync", flush=True)
    time.sleep(float(os.environ.get("KILL_PAUSE", "0.3")))
    _real_fsync(fd)
os.fsync = _slow_fsync
"""


def run_and_kill(script: str, *, after: int, cwd: Path, pause: float = 0.3) -> int:
    """Run ``script`` (Python) and SIGKILL it after its ``after``-th fsync; the number of fsyncs it reached.

    ``after=0`` lets it finish (and returns how many fsyncs a complete write takes).
    """
    env = dict(os.environ, KILL_PAUSE=str(pause))
    code = PRELUDE + textwrap.dedent(script)
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    seen = 0
    for line in child.stdout:
        if line.strip() == "fsync":
            seen += 1
            if after and seen >= after:
                child.send_signal(signal.SIGKILL)
                break
    _, err = child.communicate(timeout=60)
    if not after:
        assert child.returncode == 0, err
    else:
        assert child.returncode in (-signal.SIGKILL, 0), err
    return seen
