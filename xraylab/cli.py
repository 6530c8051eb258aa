"""Running a Typer app so that a user's mistake reads as one clear line, not a traceback."""
from __future__ import annotations

import sys
from pathlib import Path

import typer

from xraylab.errors import UserError, disk_full, is_disk_full


def run(app: typer.Typer) -> None:
    try:
        app(standalone_mode=True)
    except UserError as error:
        _fail(error)
    except OSError as error:
        # A full disk is the user's to fix, wherever it strikes: one line naming the path, not a traceback.
        if not is_disk_full(error):
            raise
        # A copy names its source first and what it was writing second (shutil.copyfile: filename2).
        written = error.filename2 or error.filename
        _fail(disk_full(Path(written or "."), f"writing {written or 'a file'}"))


def _fail(error: UserError) -> None:
    print(f"error: {error}", file=sys.stderr)
    sys.exit(1)
