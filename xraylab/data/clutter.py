"""Files an operating system adds beside a user's images, which no reader should take for films.

macOS writes AppleDouble resource forks (`._<name>`, what copying a folder to a USB stick or a share leaves)
and `.DS_Store`; zip files made on a Mac carry them under `__MACOSX/`; Windows adds `Thumbs.db` and
`desktop.ini`. Every source skips them the same way (this module) and the download stage lists them in the
data report instead of failing on them.
"""
from __future__ import annotations

from pathlib import Path, PurePath

import pandas as pd

REASON = "ignored: an operating system's file (AppleDouble ._*, .DS_Store, Thumbs.db, __MACOSX), not an image"
NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db", ".directory"})
FOLDERS = frozenset({"__MACOSX", ".Spotlight-V100", ".Trashes", ".fseventsd"})


def is_clutter(path: PurePath | str) -> bool:
    """Whether `path` (a file path or an archive member name) is an operating system's file, not an image."""
    parts = PurePath(str(path).replace("\\", "/")).parts
    if any(part in FOLDERS for part in parts):
        return True
    return bool(parts) and (parts[-1].startswith("._") or parts[-1].lower() in NAMES)


def find(root: Path) -> list[Path]:
    """The clutter files under `root`, in name order (what the data report lists as ignored)."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and is_clutter(path.relative_to(root)))


def with_ignored(rejected: pd.DataFrame, folder: Path | None) -> pd.DataFrame:
    """The quarantine list (path, reason) with the clutter under a user's `folder` added, each with `REASON`:
    never read as images, but listed, so nothing is hidden."""
    ignored = pd.DataFrame({"path": [str(path) for path in find(folder)] if folder else [], "reason": REASON})
    return pd.concat([rejected, ignored], ignore_index=True)
