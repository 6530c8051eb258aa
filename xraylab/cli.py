"""Running a Typer app so that a user's mistake reads as one clear line, not a traceback."""
from __future__ import annotations

import sys

import typer

from xraylab.errors import UserError


def run(app: typer.Typer) -> None:
    try:
        app(standalone_mode=True)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
