"""Files that are what they seem: write all at once or not at all, and read only regular files, capped.

Writing goes to a temporary file in the target's folder, then a rename over the target: a failed write
(missing folder, no permission, full disk) never leaves a half-written file and never damages the file it was
meant to replace. The target is what the user means: a symlink's target is written and the link kept; a file
with more than one hard link is rewritten in place, so every name sees the new content; a read-only file, a
device, a fifo or a socket is refused. A killed save's part file (.NAME.xxxxxxxx.part) is removed by the next
save of NAME once it is a minute old. Qt-free: the session code and the exporters share it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time

PART_SUFFIX = ".part"
STALE_PART_S = 60.0             # an older part file of ours is left over from a killed save
_RANDOM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")   # what mkstemp puts between prefix and suffix
_RANDOM_LENGTH = 8


class WriteError(Exception):
    """A file that could not be written; str() is one line a user can act on."""


class NotRegularFileError(OSError):
    """A device, fifo or socket where a file was expected; str() says which."""


class TooBigError(OSError):
    """More bytes than the caller accepts; str() says how many."""


def reason(error: OSError, path: str) -> str:
    """A one-line, user-facing explanation of an OSError raised while writing `path`."""
    folder = os.path.dirname(target_of(path))
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


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, for a message."""
    if stat.S_ISFIFO(mode):
        return "it is a named pipe"
    if stat.S_ISSOCK(mode):
        return "it is a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device"
    return "it is a special file"


def target_of(path: str) -> str:
    """The file that writing `path` should change: a symlink's final target (the link is kept), else `path`."""
    return os.path.realpath(path) if os.path.islink(path) else os.path.abspath(path)


# -- reading ---------------------------------------------------------------------------------------------------

def read_capped(path: str, limit: int) -> bytes:
    """The bytes of the regular file `path` (a symlink to one is fine), refusing more than `limit` bytes.

    A device or fifo reports size 0, so the size alone proves nothing: /dev/zero never ends and opening a fifo
    blocks until a writer comes. os.stat looks before anything is opened; O_NONBLOCK and fstat cover a file
    swapped for a fifo in between; and at most limit + 1 bytes are read whatever the size said (/proc files
    are regular with size 0). OSError (IsADirectoryError, NotRegularFileError, TooBigError, ...) on refusal.
    """
    info = os.stat(path)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder", path)
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFileError(kind_of(info.st_mode))
    if info.st_size > limit:
        raise TooBigError(f"{info.st_size:,} bytes")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(kind_of(mode))
        raw = file.read(limit + 1)
    if len(raw) > limit:
        raise TooBigError(f"more than {limit:,} bytes")
    return raw


# -- writing ---------------------------------------------------------------------------------------------------

def check_writable(path: str) -> None:
    """Raise WriteError early (before slow rendering) if `path` obviously cannot or must not be written."""
    if not path or not os.path.basename(path):
        raise WriteError(f"'{path}' is not a file name")
    target = target_of(path)
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise WriteError(f"cannot write '{path}': the folder '{folder}' does not exist")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:          # a symlink loop, a folder we may not look into
        raise WriteError(reason(error, path)) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise WriteError(f"cannot write '{path}': it is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise WriteError(f"cannot write '{path}': it is not a regular file ({kind_of(info.st_mode)})")
        if not os.access(target, os.W_OK) or not info.st_mode & 0o222:
            raise WriteError(f"cannot write '{path}': the file is read-only")
        if info.st_nlink > 1:
            return                    # rewritten in place: the folder itself is not written
    if not os.access(folder, os.W_OK):
        raise WriteError(reason(OSError(errno.EROFS if _read_only_disk(folder) else errno.EACCES, ""), path))


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` (its target if it is a symlink) via a temporary file in the same folder and
    os.replace; a file with several hard links is rewritten in place instead (see `_write_in_place`).

    On failure the temporary file is removed, `path` keeps its old content (or still does not exist) and
    WriteError is raised.
    """
    check_writable(path)
    target = target_of(path)
    folder = os.path.dirname(target)
    remove_stale_parts(folder, os.path.basename(target))
    try:
        if os.stat(target).st_nlink > 1:
            _write_in_place(path, target, data)
            return
    except FileNotFoundError:
        pass
    except OSError as error:
        raise WriteError(reason(error, path)) from None
    temporary = None
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=PART_SUFFIX, dir=folder)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _target_mode(target))   # mkstemp makes 0600; the file should look like any other
        os.replace(temporary, target)
        temporary = None
    except OSError as error:
        raise WriteError(reason(error, path)) from None
    finally:
        if temporary is not None:
            try:
                os.remove(temporary)
            except OSError:
                pass


def _write_in_place(path: str, target: str, data: bytes) -> None:
    """Overwrite a hard-linked file through its own inode (a rename would leave the other names behind).

    Not atomic, so the room is reserved first: a full disk fails before a byte of the old content changes.
    """
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise WriteError(f"cannot write '{path}': it is not a regular file")
            try:
                os.posix_fallocate(fd, 0, max(1, len(data)))
            except AttributeError:
                pass
            except OSError as error:
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                    raise
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise WriteError(reason(error, path)) from None


def remove_stale_parts(folder: str, name: str) -> None:
    """Remove part files a killed save of `name` left in `folder`: exactly mkstemp's `.NAME.xxxxxxxx.part`,
    regular files only, and only once STALE_PART_S old (a younger one may be another save in progress)."""
    prefix = f".{name}."
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        middle = entry.name[len(prefix):-len(PART_SUFFIX)]
        if not (entry.name.startswith(prefix) and entry.name.endswith(PART_SUFFIX)
                and len(middle) == _RANDOM_LENGTH and set(middle) <= _RANDOM_CHARS):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_PART_S:
                os.remove(entry.path)
        except OSError:
            pass


def _read_only_disk(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):
        return False


def _target_mode(path: str) -> int:
    """The permission bits a plain open() would give: the old file's, or 0666 minus the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
