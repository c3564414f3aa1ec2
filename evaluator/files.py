"""Atomic file writes: a reader sees the old file or the new one, never half of one.

    from evaluator.files import write_atomic
    write_atomic(path, text)                 # temp file beside it + rename
    write_atomic(path, text, durable=True)   # also fsync: survives a machine crash (run history)

The temp file gets a unique name (mkstemp), so threads or processes writing the same path (the
baseline cache under a multi-slot executor) never clobber each other's half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, *, durable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
