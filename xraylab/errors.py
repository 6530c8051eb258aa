"""The base of every error a user can fix; stage scripts print these as one line, without a traceback."""
from __future__ import annotations

import errno
import shutil
from pathlib import Path


class UserError(Exception):
    """Something in params, the data or the pipeline's state is wrong; the message says what and where."""


class DiskFullError(UserError):
    """A write failed, or would fail, for want of space on the disk holding a path."""


def is_disk_full(error: OSError) -> bool:
    """No space left on the device, or the user's disk quota spent: both are cured by freeing space."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT)


def free_bytes(path: Path) -> int:
    """Free space on the disk holding `path` (its nearest existing folder)."""
    path = Path(path).absolute()
    while not path.exists():
        path = path.parent
    return shutil.disk_usage(path).free


def disk_full(path: Path, what: str) -> DiskFullError:
    """The one line a full disk gets: which disk (by the path written), what was being done, what to do."""
    return DiskFullError(f"the disk holding {Path(path).absolute().parent} is full ({free_bytes(path):,} bytes "
                         f"free) while {what}; free some space and rerun")
