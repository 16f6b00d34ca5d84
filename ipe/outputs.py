"""Safe outputs: files appear whole or not at all, owner-only whatever the umask, one writer per folder at a time.

Every report ipe writes goes through :func:`produce` (or :func:`write_bytes` / :func:`write_text` for one small
file): the writer fills a private staging folder beside the target, then each finished file is renamed into place,
so a kill leaves the previous file or the new one, never half of one. Files are ``0600`` and folders ``0700`` unless
team mode is on (:func:`set_team`, ``ipe --team-outputs`` or ``IPE_TEAM_OUTPUTS=1``), which makes them readable and
writable by the owner's group (``0660`` / ``0770``) for a shared project folder.

:func:`lock` holds an exclusive lock on a folder (an output folder or a project) for a command that must not run
twice at once; a second command gets a one-line "busy" error instead of interleaving its files with the first's.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator, Union

from ipe.errors import ProjectBusy

PRIVATE = (0o600, 0o700)
TEAM = (0o660, 0o770)
STAGING_PREFIX = ".ipe-staging-"

_team = os.environ.get("IPE_TEAM_OUTPUTS", "").strip().lower() in ("1", "yes", "true", "on")
_held: dict[Path, list] = {}


def set_team(on: bool) -> None:
    """Team mode on or off for the rest of the process: group members may read and write what ipe writes."""
    global _team
    _team = bool(on)


def modes() -> tuple[int, int]:
    """``(file mode, folder mode)`` in force."""
    return TEAM if _team else PRIVATE


def make_folder(path: Union[str, os.PathLike]) -> Path:
    """Create ``path`` and any missing parents; the folders it creates get the folder mode.

    A folder that already exists keeps its mode: ``--out .`` must not lock the user out of their own folder.
    """
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    folder_mode = modes()[1]
    for folder in missing:
        os.chmod(folder, folder_mode)
    return path


def _publish(staged: Path, final: Path) -> None:
    file_mode = modes()[0]
    os.chmod(staged, file_mode)
    with open(staged, "rb") as fh:
        os.fsync(fh.fileno())
    if final.is_dir():
        raise IsADirectoryError(f"{final}: is a folder, cannot write a file there")
    os.replace(staged, final)


def produce(write: Callable[[Path], object], target: Union[str, os.PathLike]):
    """Run ``write(staged_target)`` in a staging folder beside ``target``, then move what it wrote into place.

    ``write`` gets a path with ``target``'s name inside the staging folder and returns the path or list of paths it
    wrote there (as every exporter does); the same shape comes back with the final paths. Nothing is left behind when
    ``write`` fails.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> produce(lambda p: p.write_text("x") and p, folder / "a.txt") == folder / "a.txt"
    True
    >>> oct((folder / "a.txt").stat().st_mode & 0o777)
    '0o600'
    """
    target = Path(target)
    folder = make_folder(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
    try:
        result = write(staging / target.name)
        paths = [result] if isinstance(result, (str, os.PathLike)) else list(result or [])
        final = []
        for p in paths:
            p = Path(p)
            relative = p.relative_to(staging) if p.is_absolute() and staging in p.parents else Path(p.name)
            destination = folder / relative
            if len(relative.parts) > 1:
                make_folder(destination.parent)
            _publish(staging / relative, destination)
            final.append(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final[0] if isinstance(result, (str, os.PathLike)) else final


def write_bytes(path: Union[str, os.PathLike], data: bytes) -> Path:
    """Write one file atomically with the file mode in force."""
    return produce(lambda p: (p.write_bytes(data), p)[1], path)


def write_text(path: Union[str, os.PathLike], text: str) -> Path:
    """Write one UTF-8 text file atomically with the file mode in force."""
    return write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def lock(folder: Union[str, os.PathLike], what: str = "folder") -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` for the block; raise ``ProjectBusy`` at once if another process has it.

    The lock is taken on the folder itself (no lock file is left behind) and is re-entrant within one process, so a
    command that locks its output folder can call writers that lock it again.
    """
    folder = make_folder(folder).resolve()
    if folder in _held:
        _held[folder][1] += 1
        try:
            yield folder
        finally:
            _held[folder][1] -= 1
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ProjectBusy(f"{folder}: busy: another ipe command is using this {what}; wait for it to finish") from None
    _held[folder] = [fd, 1]
    try:
        yield folder
    finally:
        _held.pop(folder, None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
