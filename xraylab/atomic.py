"""Atomic writes: a reader never sees a half-written file, and a crash leaves the old one intact."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

_FILE_MODE = 0o644
_DIR_MODE = 0o755


@contextmanager
def writing(target: Path) -> Iterator[Path]:
    """Yield a temp path beside `target`; it replaces `target` only if the block finishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same folder as the target, so os.replace is a rename on one file system.
    descriptor, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(descriptor)
    temp = Path(temp_name)
    try:
        yield temp
        temp.chmod(_FILE_MODE)  # mkstemp makes files private; outputs are ordinary readable files
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_text(target: Path, text: str) -> None:
    with writing(target) as temp:
        temp.write_text(text)


def write_json(target: Path, data: Any) -> None:
    # sort_keys and a fixed indent keep the file byte-identical for equal data, so git and DVC see no change.
    write_text(target, json.dumps(data, indent=2, sort_keys=True) + "\n")


@contextmanager
def writing_dir(target: Path) -> Iterator[Path]:
    """Yield an empty temp folder beside `target`; it becomes `target` only if the block finishes.

    `target` is a stage output that DVC owns and would remove before rerunning the stage anyway;
    the previous copy is swapped out only once the new one is complete.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield temp
        temp.chmod(_DIR_MODE)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(temp, target)
            shutil.rmtree(old)
        else:
            os.replace(temp, target)
    finally:
        if temp.exists():
            shutil.rmtree(temp)
