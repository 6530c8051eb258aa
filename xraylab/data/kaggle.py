"""The Kaggle copy of the Kermany set, fetched through the `kaggle` package."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from xraylab.errors import UserError

# Where the kaggle package looks for a token, legacy and current.
_TOKEN_FILES = ("kaggle.json", "access_token")


class KaggleCredentialsError(UserError):
    pass


def check_credentials(environ: Mapping[str, str], home: Path) -> None:
    """Fail with one line saying where credentials go, or what is wrong with the file holding them, before
    the kaggle package prints pages of help and exits."""
    if environ.get("KAGGLE_API_TOKEN") or (environ.get("KAGGLE_USERNAME") and environ.get("KAGGLE_KEY")):
        return
    config_dir = Path(environ.get("KAGGLE_CONFIG_DIR", Path(home) / ".kaggle"))
    present = [config_dir / name for name in _TOKEN_FILES if (config_dir / name).is_file()]
    if not present:
        raise KaggleCredentialsError(
            f"no Kaggle credentials: put kaggle.json (from kaggle.com → Settings → API) in {config_dir}/, "
            "or set KAGGLE_USERNAME and KAGGLE_KEY (or KAGGLE_API_TOKEN)")
    problems = [_token_problem(path) for path in present]
    if all(problems):
        raise KaggleCredentialsError(f"{present[0]} {problems[0]}; download a new one from kaggle.com → "
                                     "Settings → API")


def _token_problem(path: Path) -> str | None:
    """What is wrong with a token file, or None: kaggle.json needs a username and a key, access_token text."""
    text = path.read_text(errors="replace").strip()
    if not text:
        return "is empty"
    if path.name == "access_token":
        return None
    try:
        token = json.loads(text)
    except json.JSONDecodeError:
        return "is not JSON (expected {\"username\": ..., \"key\": ...})"
    missing = [field for field in ("username", "key")
               if not isinstance(token, dict) or not isinstance(token.get(field), str) or not token[field].strip()]
    return f"has no {' and no '.join(missing)}" if missing else None


def download(dataset: str, download_dir: Path) -> Path:
    """Download `dataset` (owner/name) as a zip into `download_dir` and return the archive's path."""
    from kaggle.api.kaggle_api_extended import KaggleApi  # imported late: it authenticates on import

    api = KaggleApi()
    try:
        api.authenticate()
        api.dataset_download_files(dataset, path=str(download_dir), unzip=False, quiet=False)
    except SystemExit:
        raise KaggleCredentialsError("the Kaggle API refused the credentials; check kaggle.json "
                                     "or KAGGLE_USERNAME / KAGGLE_KEY") from None
    archive = Path(download_dir) / f"{dataset.split('/')[-1]}.zip"
    if not archive.is_file():
        raise UserError(f"the Kaggle download of {dataset} left no {archive}")
    return archive
