"""Writing outputs into a folder: the one place the tool writes a file a user keeps.

Every file is written to a temporary name in its folder (``.<name>.<random>.compliance-part``),
flushed to disk and renamed into place, so a reader of the folder only ever sees complete files
under their final names.  The folder is opened once, without following a symbolic link, and
every file is created and renamed relative to that open folder; a name already taken by a
symbolic link, a folder or a special file is refused, naming it, before anything is written.
Only one run writes into a folder at a time (a lock on the open folder, released when the
process ends, however it ends); the run holding it removes what killed runs left half-written.
Temporary files are removed on every exit path; a run killed by SIGKILL leaves its temporary
file, and the next run into the folder removes it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Self

from compliance.errors import OutputError
from compliance.results.findings import Details

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: one run at a time is then the operator's care
    fcntl = None  # type: ignore[assignment]

TEMPORARY_SUFFIX = ".compliance-part"
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{16}" + re.escape(TEMPORARY_SUFFIX) + "$")
FILE_MODE = 0o666  # less the umask, as any program's new file
_OPEN_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_CREATE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
           | getattr(os, "O_BINARY", 0))

#: Every output problem code, with what it means (documented in README.md, "How outputs are written").
OUTPUT_PROBLEM_MEANING: Mapping[str, str] = MappingProxyType({
    "output_folder_is_symlink": "the output folder (or a folder to create for it) is a symbolic link",
    "output_not_a_folder": "the output folder's path is an existing file",
    "output_parent_not_a_folder": "a folder above the output folder is a file",
    "output_is_symlink": "an output's name in the folder is taken by a symbolic link",
    "output_is_not_a_file": "an output's name in the folder is taken by a folder or a special file",
    "output_permission_denied": "the user running the tool may not write there",
    "output_read_only": "the file system is mounted read-only",
    "output_no_space": "the disk is full or the user's quota is used up",
    "output_name_too_long": "the path or a file name is longer than the file system allows",
    "output_folder_busy": "another run of the tool is writing into the same folder",
    "audit_running": "another audit of the same profile and period into the same output folder is running",
    "output_failed": "the operating system refused the write for another reason (named in the message)",
})

_CODE_OF_ERRNO: Mapping[int, str] = MappingProxyType({
    errno.EACCES: "output_permission_denied",
    errno.EPERM: "output_permission_denied",
    errno.EROFS: "output_read_only",
    errno.ENOSPC: "output_no_space",
    errno.EDQUOT: "output_no_space",
    errno.ENAMETOOLONG: "output_name_too_long",
    errno.ENOTDIR: "output_parent_not_a_folder",
    errno.ELOOP: "output_folder_is_symlink",
})


def output_error(exc: OSError, path: Path | str) -> OutputError:
    """The OutputError for an operating-system error met writing `path`."""
    code = _CODE_OF_ERRNO.get(exc.errno or 0, "output_failed")
    values = Details.of(detail=exc.strerror or type(exc).__name__, parent=str(Path(path).parent))
    return OutputError(code, path, values)


@dataclass(frozen=True)
class WrittenFile:
    """A file in its place: its path, size and SHA-256."""

    path: Path
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def prepare_folder(path: Path) -> Path:
    """Create the output folder `path` (and its parents) if needed; refuse a symbolic link (even
    one that points to a folder: the tool never writes through a link it did not make), a file,
    or a folder above it that is a file."""
    missing: list[Path] = []
    current = path
    while True:
        try:
            info = os.lstat(current)
        except (FileNotFoundError, NotADirectoryError):
            missing.append(current)
            if current.parent == current:
                break
            current = current.parent
            continue
        except OSError as exc:
            raise output_error(exc, current) from None
        if stat.S_ISLNK(info.st_mode) and current == path:
            raise OutputError("output_folder_is_symlink", path, Details.of(target=_link_target(path)))
        if not stat.S_ISDIR(info.st_mode) and not stat.S_ISLNK(info.st_mode):
            if current == path:
                raise OutputError("output_not_a_folder", path,
                                  Details.of(kind="file" if stat.S_ISREG(info.st_mode) else "special"))
            raise OutputError("output_parent_not_a_folder", path, Details.of(parent=str(current)))
        break
    for folder in reversed(missing):
        try:
            os.mkdir(folder)
        except FileExistsError:
            if os.path.islink(folder) or not folder.is_dir():
                raise OutputError("output_folder_is_symlink" if os.path.islink(folder) else "output_not_a_folder",
                                  folder, Details.of(target=_link_target(folder))) from None
        except OSError as exc:
            raise output_error(exc, folder) from None
    return path


class OutputFolder:
    """A folder a run writes its outputs into, opened with :meth:`open` (or ``with``).

    ``reserve(names)`` checks every name the run will write before anything is written;
    ``write(name, data)`` puts a complete file in place; ``close()`` removes this run's temporary
    files and releases the folder.  A name is written once per run: two outputs never share one.
    """

    def __init__(self, path: Path, *, exclusive: bool = True) -> None:
        self.path = Path(path)
        self.exclusive = exclusive  # False: share the folder with a run holding it (one file's write)
        self._fd: int | None = None
        self._temporary: set[str] = set()
        self.written: dict[str, WrittenFile] = {}

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    @property
    def fd(self) -> int:
        if self._fd is None:
            raise RuntimeError("the output folder is not open")
        return self._fd

    def open(self, *, lock: bool = True) -> None:
        """Open the folder (creating it); ``lock=False``: only to stage files for the run holding it."""
        prepare_folder(self.path)
        try:
            self._fd = os.open(self.path, _OPEN_FOLDER)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR) and os.path.islink(self.path):
                raise OutputError("output_folder_is_symlink", self.path,
                                  Details.of(target=_link_target(self.path))) from None
            raise output_error(exc, self.path) from None
        if not lock:
            return
        try:
            if self._lock():
                self._remove_stale()
        except BaseException:
            self.close()
            raise

    def _lock(self) -> bool:
        """Whether this run now holds the folder; a run that must hold it is refused when another does."""
        if fcntl is None:
            return False
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if self.exclusive:
                raise OutputError("output_folder_busy", self.path) from None
            return False
        except OSError:
            return False  # a file system without locks (some network mounts): one run at a time is the operator's care
        return True

    def _remove_stale(self) -> None:
        """Temporary files of runs killed while writing here (this run holds the folder's lock, so
        no other run is writing them)."""
        try:
            names = os.listdir(self.fd)
        except OSError as exc:
            raise output_error(exc, self.path) from None
        for name in names:
            if _TEMPORARY.match(name):
                try:
                    os.unlink(name, dir_fd=self.fd)
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise output_error(exc, self.path / name) from None

    def reserve(self, names: Iterable[str]) -> None:
        """Refuse, before anything is written, a name taken by a link, a folder or a special file."""
        for name in names:
            self._check_target(name)

    def _check_target(self, name: str) -> None:
        if not name or "/" in name or "\0" in name or name in (".", "..") or (os.sep != "/" and os.sep in name):
            raise ValueError(f"not a file name: {name!r}")
        try:
            info = os.lstat(name, dir_fd=self.fd)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise output_error(exc, self.path / name) from None
        if stat.S_ISLNK(info.st_mode):
            raise OutputError("output_is_symlink", self.path / name, Details.of(target=_link_target(self.path / name)))
        if not stat.S_ISREG(info.st_mode):
            raise OutputError("output_is_not_a_file", self.path / name,
                              Details.of(kind="folder" if stat.S_ISDIR(info.st_mode) else "special"))

    def write(self, name: str, data: bytes) -> WrittenFile:
        """Put `data` in place as `name`: a temporary file, flushed to disk, renamed over the name."""
        if name in self.written:
            raise ValueError(f"{name!r} was already written by this run")
        self._check_target(name)
        temporary = self._write_temporary(name, data)
        return self._put_in_place(temporary, name, hashlib.sha256(data).hexdigest(), len(data))

    def _write_temporary(self, name: str, data: bytes) -> str:
        """`data` complete and flushed to disk under a new temporary name (returned) in the folder."""
        temporary = f".{name}.{secrets.token_hex(8)}{TEMPORARY_SUFFIX}"
        if len(temporary.encode("utf-8", "surrogateescape")) > 255 >= len(name.encode("utf-8", "surrogateescape")):
            temporary = f".{secrets.token_hex(8)}.{secrets.token_hex(8)}{TEMPORARY_SUFFIX}"
        try:
            handle = os.open(temporary, _CREATE, FILE_MODE, dir_fd=self.fd)
        except OSError as exc:
            raise output_error(exc, self.path / name) from None
        self._temporary.add(temporary)
        with self._discarded_on_failure(temporary, name), os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        return temporary

    @contextmanager
    def _discarded_on_failure(self, temporary: str, name: str) -> Iterator[None]:
        """The block's temporary file removed if the block fails; an OS error as the output's."""
        try:
            yield
        except OSError as exc:
            self._discard(temporary)
            raise output_error(exc, self.path / name) from None
        except BaseException:
            self._discard(temporary)
            raise

    def _put_in_place(self, temporary: str, name: str, sha256: str, size: int) -> WrittenFile:
        with self._discarded_on_failure(temporary, name):
            self._check_target(name)
            os.rename(temporary, name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        self._temporary.discard(temporary)
        written = WrittenFile(self.path / name, sha256, size)
        self.written[name] = written
        return written

    def adopt(self, staged: Iterable[StagedFile]) -> None:
        """Take charge of files workers staged here: each is removed when the folder is closed unless
        it was committed by then (a run stopped, or another document failed, half-way through)."""
        for file in staged:
            if not _TEMPORARY.match(file.temporary) or "/" in file.temporary:
                raise ValueError(f"not a staged file's name: {file.temporary!r}")
            self._temporary.add(file.temporary)

    def commit(self, staged: StagedFile) -> WrittenFile:
        """Put a file a worker staged in this folder (:func:`stage_file`) in place under its name,
        once it is checked to be the regular file of the size the worker wrote."""
        self.adopt([staged])
        if staged.name in self.written:
            self._discard(staged.temporary)
            raise ValueError(f"{staged.name!r} was already written by this run")
        try:
            info = os.lstat(staged.temporary, dir_fd=self.fd)
        except OSError as exc:
            self._discard(staged.temporary)
            raise output_error(exc, self.path / staged.name) from None
        if not stat.S_ISREG(info.st_mode) or info.st_size != staged.size:
            self._discard(staged.temporary)
            raise OutputError("output_failed", self.path / staged.name,
                              Details.of(detail="the file a worker wrote was changed before it was put in place"))
        return self._put_in_place(staged.temporary, staged.name, staged.sha256, staged.size)

    def remove(self, name: str) -> None:
        """Remove `name` if it is a regular file of the folder (a previous run's manifest)."""
        self._check_target(name)
        try:
            os.unlink(name, dir_fd=self.fd)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise output_error(exc, self.path / name) from None

    def sync(self) -> None:
        """Make the renames so far durable (the folder's own entry list reaches the disk)."""
        try:
            os.fsync(self.fd)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.EBADF):  # folders cannot be synced on some systems
                raise output_error(exc, self.path) from None

    def _discard(self, temporary: str) -> None:
        try:
            os.unlink(temporary, dir_fd=self.fd)
        except OSError:
            pass
        self._temporary.discard(temporary)

    def close(self) -> None:
        if self._fd is None:
            return
        for temporary in list(self._temporary):
            self._discard(temporary)
        os.close(self._fd)  # releases the lock
        self._fd = None


@dataclass(frozen=True)
class StagedFile:
    """A file a worker wrote complete, under a temporary name, into an output folder it shares with
    the run holding the folder, which puts it in place (:meth:`OutputFolder.commit`)."""

    name: str
    temporary: str
    sha256: str
    size: int


def stage_file(folder: Path, name: str, data: bytes) -> StagedFile:
    """Write `data` under a temporary name in `folder` (opened without following a link, not
    locked: the run holding the folder commits the file or removes it)."""
    staging = OutputFolder(Path(folder), exclusive=False)
    staging.open(lock=False)
    try:
        staging._check_target(name)  # noqa: SLF001 - the same checks as the run's own writes
        temporary = staging._write_temporary(name, data)  # noqa: SLF001
        staging._temporary.clear()  # noqa: SLF001 - handed over to the run holding the folder
    finally:
        staging.close()
    return StagedFile(name, temporary, hashlib.sha256(data).hexdigest(), len(data))


def write_file(path: Path, data: bytes) -> WrittenFile:
    """Write one file atomically (a library caller's single document, a blank template, a crash
    log), beside a run that may be writing into the same folder."""
    with OutputFolder(Path(path).parent, exclusive=False) as folder:
        return folder.write(Path(path).name, data)
