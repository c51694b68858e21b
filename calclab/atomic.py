"""Write a file all at once or not at all: a temporary file in the same folder, then a rename over the target.

A failed write (missing folder, no permission, full disk) never leaves a half-written file and never damages
the file it was meant to replace. Qt-free: the session code and the exporters share it.
"""

from __future__ import annotations

import errno
import os
import tempfile


class WriteError(Exception):
    """A file that could not be written; str() is one line a user can act on."""


def reason(error: OSError, path: str) -> str:
    """A one-line, user-facing explanation of an OSError raised while writing `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot write '{path}': the disk is full"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"cannot write '{path}': no permission to write in '{folder}'"
    if error.errno == errno.EROFS:
        return f"cannot write '{path}': '{folder}' is on a read-only disk"
    if error.errno == errno.EISDIR:
        return f"cannot write '{path}': it is a folder"
    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"cannot write '{path}': the folder '{folder}' does not exist"
    return f"cannot write '{path}': {error.strerror or error}"


def check_writable(path: str) -> None:
    """Raise WriteError early (before slow rendering) if `path` obviously cannot be written."""
    if not path or not os.path.basename(path):
        raise WriteError(f"'{path}' is not a file name")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise WriteError(f"cannot write '{path}': the folder '{folder}' does not exist")
    if os.path.isdir(path):
        raise WriteError(f"cannot write '{path}': it is a folder")


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and os.replace.

    On failure the temporary file is removed, `path` keeps its old content (or still does not exist) and
    WriteError is raised.
    """
    check_writable(path)
    folder = os.path.dirname(os.path.abspath(path))
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _target_mode(path))   # mkstemp makes 0600; the file should look like any other
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise WriteError(reason(error, path)) from None
    finally:
        if temporary is not None:
            try:
                os.remove(temporary)
            except OSError:
                pass


def _target_mode(path: str) -> int:
    """The permission bits a plain open() would give: the old file's, or 0666 minus the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
