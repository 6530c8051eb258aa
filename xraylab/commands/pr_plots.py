"""The plots a pull request changed, as PNG images for its report: `dvc plots diff --json` gives each plot's
data per revision; every plot whose data differs is drawn with both revisions overlaid (curves) or side by side
(confusion counts, images), so the comment shows pictures, not vega specs a PR page cannot render.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from xraylab.errors import UserError
from xraylab.figures import save_png

DATA_ANCHOR = "<DVC_METRIC_DATA>"


def changed(base: str, head: str | None, repo: Path, out_dir: Path) -> list[Path]:
    """Draw every plot whose data differs between revisions `base` and `head` (None: the workspace) into
    `out_dir`; their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    drawn = []
    with tempfile.TemporaryDirectory() as scratch:
        # DVC copies image plots of each revision into the output folder; a scratch one keeps them apart.
        revisions = [base, head] if head else [base]
        command = [sys.executable, "-m", "dvc", "plots", "diff", *revisions, "--json", "--split", "-o", scratch]
        result = subprocess.run(command, cwd=repo, capture_output=True, text=True)
        if result.returncode != 0:
            raise UserError(f"`dvc plots diff {' '.join(revisions)}` failed in {repo}: {result.stderr.strip()}")
        head = head or "workspace"  # how DVC names the workspace among the revisions
        for plot_id, entries in json.loads(result.stdout).get("data", {}).items():
            target = out_dir / (plot_id.replace("/", "__").rsplit(".", 1)[0] + ".png")
            if entries and entries[0]["type"] == "image":
                if _draw_images(entries, base, head, plot_id, target):
                    drawn.append(target)
            elif entries and _draw_data(entries[0], base, head, plot_id, target):
                drawn.append(target)
    return drawn


def _draw_data(entry: dict[str, Any], base: str, head: str, plot_id: str, target: Path) -> bool:
    rows = entry.get("anchor_definitions", {}).get(DATA_ANCHOR) or []
    by_rev = {rev: [{key: value for key, value in row.items() if key != "rev"} for row in rows if row["rev"] == rev]
              for rev in (base, head)}
    if by_rev[base] == by_rev[head]:
        return False
    x, y = _axes(entry["content"], rows)
    if x is None or y is None:
        return False
    if all(isinstance(row.get(x), str) and isinstance(row.get(y), str) for row in rows):
        _confusion(by_rev, actual=y, predicted=x, plot_id=plot_id, target=target)
    else:
        figure = Figure(figsize=(5, 4))
        axes = figure.subplots()
        for rev, rev_rows in by_rev.items():
            axes.plot([float(row[x]) for row in rev_rows], [float(row[y]) for row in rev_rows], label=rev,
                      marker="." if len(rev_rows) < 30 else None)
        axes.set(xlabel=x, ylabel=y, title=plot_id)
        axes.legend()
        figure.tight_layout()
        save_png(figure, target, dpi=80)
    return True


def _axes(content: dict[str, Any], rows: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The x and y fields of a plot: from its vega-lite encoding where they hold numbers (or both hold labels:
    a confusion matrix); else x `step` and the last numeric column (DVC picks the last column, numeric or not,
    for a plot dvc.yaml declares as a folder)."""
    fields = dict(_encodings(content))
    first = rows[0] if rows else {}
    x = fields.get("x") or "step"
    y = fields.get("y")
    if y in first and (_is_number(first[y]) or isinstance(first.get(x), str)):
        return x, y
    numeric = [key for key, value in first.items() if key not in ("rev", "step", x) and _is_number(value)]
    return x, (numeric[-1] if numeric else None)


def _encodings(spec: Any) -> Iterator[tuple[str, str]]:
    if isinstance(spec, dict):
        encoding = spec.get("encoding")
        if isinstance(encoding, dict):
            for channel in ("x", "y"):
                field = (encoding.get(channel) or {}).get("field") if isinstance(encoding.get(channel), dict) else None
                if isinstance(field, str) and not field.startswith("<"):
                    yield channel, field
        for value in spec.values():
            yield from _encodings(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _encodings(value)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)


def _confusion(by_rev: dict[str, list[dict[str, Any]]], actual: str, predicted: str, plot_id: str,
               target: Path) -> None:
    labels = sorted({row[key] for rows in by_rev.values() for row in rows for key in (actual, predicted)})
    figure = Figure(figsize=(4 * len(by_rev), 3.6))
    axes = figure.subplots(1, len(by_rev))
    for axis, (rev, rows) in zip(axes, by_rev.items()):
        counts = [[sum(1 for row in rows if row[actual] == a and row[predicted] == p) for p in labels] for a in labels]
        axis.imshow(counts, cmap="Blues")
        for i, row in enumerate(counts):
            for j, count in enumerate(row):
                axis.text(j, i, str(count), ha="center", va="center")
        axis.set(xticks=range(len(labels)), xticklabels=labels, yticks=range(len(labels)), yticklabels=labels,
                 xlabel=predicted, ylabel=actual, title=rev)
    figure.suptitle(plot_id)
    figure.tight_layout()
    save_png(figure, target, dpi=80)


def _draw_images(entries: list[dict[str, Any]], base: str, head: str, plot_id: str, target: Path) -> bool:
    urls = {entry["revisions"][0]: Path(entry["url"]) for entry in entries}
    if base not in urls or head not in urls or urls[base].read_bytes() == urls[head].read_bytes():
        return False
    figure = Figure(figsize=(10, 5))
    axes = figure.subplots(1, 2)
    for axis, rev in zip(axes, (base, head)):
        axis.imshow(np.asarray(Image.open(urls[rev]).convert("RGB")))
        axis.set(title=rev)
        axis.axis("off")
    figure.suptitle(plot_id)
    figure.tight_layout()
    save_png(figure, target, dpi=80)
    return True
