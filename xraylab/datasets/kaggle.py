"""The Kaggle copy of the Kermany set, fetched through the `kaggle` package."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from xraylab.errors import UserError

# Where the kaggle package looks for a token, legacy and current.
_TOKEN_FILES = ("kaggle.json", "access_token")


class KaggleCredentialsError(UserError):
    pass


def check_credentials(environ: Mapping[str, str], home: Path) -> None:
    """Fail with one line saying where credentials go, before the kaggle package prints pages and exits."""
    if environ.get("KAGGLE_API_TOKEN") or (environ.get("KAGGLE_USERNAME") and environ.get("KAGGLE_KEY")):
        return
    config_dir = Path(environ.get("KAGGLE_CONFIG_DIR", Path(home) / ".kaggle"))
    if any((config_dir / name).is_file() for name in _TOKEN_FILES):
        return
    raise KaggleCredentialsError(
        f"no Kaggle credentials: put kaggle.json (from kaggle.com → Settings → API) in {config_dir}/, "
        "or set KAGGLE_USERNAME and KAGGLE_KEY (or KAGGLE_API_TOKEN)")


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
