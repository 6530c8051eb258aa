"""Labelled films from elsewhere: the folders of evaluate.external and of `xraylab calibrate`.

In-distribution validation has proved blind to the shift between the Kermany training and test films
(97% on validation, 84% on the test films), so a model is also judged on sets it was not tuned on. They are
read in the Kermany layout (NORMAL/ and PNEUMONIA/ inside, or any folder above one), labels from the folders.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from xraylab.data import kermany
from xraylab.errors import UserError


def read(folder: Path, task: str, key: str) -> pd.DataFrame:
    """The images of a labelled folder as a manifest; errors name `key` (the param or argument) and the path."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{key}: folder {folder} not found; give a folder with NORMAL/ and PNEUMONIA/ inside")
    try:
        # A site names its films its own way: only the folders (the labels) must follow Kermany's layout.
        return kermany.scan(kermany.find_root(folder), task, any_names=True)
    except kermany.LayoutError as error:
        raise UserError(f"{key}: {error}") from None


def task_of(class_names: tuple[str, ...]) -> str:
    """The Kermany task whose labels a model with `class_names` predicts."""
    for task, names in kermany.CLASS_NAMES.items():
        if tuple(class_names) == names:
            return task
    raise UserError(f"a model with classes {list(class_names)} cannot be scored on Kermany-layout films "
                    f"(NORMAL/ and PNEUMONIA/); expected {' or '.join(map(str, kermany.CLASS_NAMES.values()))}")
