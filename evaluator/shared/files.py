"""Atomic file writes: a reader sees the old file or the new one, never half of one.

    from evaluator.shared.files import write_atomic, umask_mode
    write_atomic(path, text)                 # temp file beside it + rename
    write_atomic(path, text, durable=True)   # also fsync: survives a machine crash (run history)
    os.chmod(tempfile.mkdtemp(...), umask_mode(directory=True))   # a folder others may read, like mkdir's

The temp file gets a unique name (mkstemp), so threads or processes writing the same path (the
baseline cache under a multi-slot executor) never clobber each other's half-written file. mkstemp
makes it 0600 whatever the umask; the file then gets the mode an ordinary `open(path, "w")` would
give it (0666 less the umask), so run files, reports and promoted kernels are readable by whom the
user's umask allows, not by the user alone.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    """The process's umask, read without changing it where Linux says it (os.umask can only be read by
    setting it, which would race with threads creating files meanwhile)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def umask_mode(directory: bool = False) -> int:
    """The mode `open(..., "w")` (0666) or `mkdir` (0777) gives under the current umask."""
    return (0o777 if directory else 0o666) & ~_umask()


def write_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, umask_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
