"""Atomic file writes: a reader sees the old file or the new one, never half of one.

    from evaluator.shared.files import write_atomic, umask_mode
    write_atomic(path, text)                 # temp file beside it + rename
    write_atomic(path, text, durable=True)   # also fsync: survives a machine crash (run history)
    os.chmod(tempfile.mkdtemp(...), umask_mode(directory=True))   # a folder others may read, like mkdir's
    read_untrusted(path, last=4000)          # a file the candidate could have replaced: never a link's target

The temp file gets a unique name (mkstemp), so threads or processes writing the same path (the
baseline cache under a multi-slot executor) never clobber each other's half-written file. mkstemp
makes it 0600 whatever the umask; the file then gets the mode an ordinary `open(path, "w")` would
give it (0666 less the umask), so run files, reports and promoted kernels are readable by whom the
user's umask allows, not by the user alone.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


class NotAFile(OSError):
    """The path is a link (`link`), a FIFO, a device or a socket: nothing of it was read."""

    def __init__(self, message: str, link: bool = False):
        super().__init__(message)
        self.link = link


def read_untrusted(path: Path | str, last: int | None = None, most: int = 64 << 20) -> tuple[bytes, int]:
    """(the bytes, the file's size) of a file in a folder the candidate could write: opened without following
    a link (one planted there would point the trusted reader at a host file: a key, /etc/shadow), without
    blocking (a FIFO would stall it), and read only if it is a regular file (NotAFile otherwise). `last`:
    only the last that many bytes; else at most `most` from the start."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotAFile(f"{Path(path).name} is a link", link=True) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotAFile(f"{Path(path).name} is not a regular file")
        start = max(0, st.st_size - last) if last is not None else 0
        want = min(st.st_size - start, last if last is not None else most)
        chunks, got = [], 0
        while got < want:
            chunk = os.pread(fd, want - got, start + got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks), st.st_size
    finally:
        os.close(fd)


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
