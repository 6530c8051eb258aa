"""Generated blocks inside hand-written markdown: the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`.

The README's leaderboard and docs/results.md's experiment table are written by commands, so they never
drift from the committed metrics, while the prose around them stays hand-written.
"""
from __future__ import annotations

import re
from pathlib import Path

from xraylab import atomic
from xraylab.errors import UserError


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def replace(document: Path, name: str, content: str) -> bool:
    """Put `content` between the markers `name` of `document`; True when the file changed."""
    start, end = markers(name)
    text = Path(document).read_text()
    pattern = re.compile(re.escape(start) + r"\n.*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise UserError(f"{document} has no {start} ... {end} block to put the {name} in")
    updated = pattern.sub(lambda _: f"{start}\n{content}{end}", text)
    if updated != text:
        atomic.write_text(Path(document), updated)
    return updated != text
