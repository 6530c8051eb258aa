"""The release model: the one the demo site and `xraylab predict` use unless told otherwise.

`dvc repro` trains on whatever params.yaml says (the embedded sample by default); a release is a trained
workspace packaged for users: the Keras model in release/model/, its TF.js conversion in docs/release/,
and beside each the same meta.json saying what it was trained on, how it scored on validation (plain and
under the shifts of evaluate.shifts, with intervals), the threshold it calls positives at and what the
training cost. Both folders are committed to git, so a fresh clone predicts with no training.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xraylab import atomic, config, saved
from xraylab.errors import UserError
from xraylab.evaluation import eval_file, leaderboard
from xraylab.kinds import ModelKind
from xraylab.serve import contract, export, gate
from xraylab.training.train import TIMING_FILE

RELEASE_DIR = Path("release")
SITE_DIR = Path("docs/release")
MODEL_DIR = "model"
META_FILE = "meta.json"


INDEPENDENT_SCORES = Path("docs/independent-scores.json")


def metadata(name: str, cfg: config.Config, metrics_dir: Path, model: saved.SavedModel,
             experiment: str | None, threshold_from: str | None = None,
             previous: dict[str, Any] | None = None,
             independent: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a release says about itself, from the workspace's evaluate and train outputs.

    `threshold_from`: an external set of evaluate.external whose calibrated threshold becomes the
    operating one (the validation threshold stays beside it). `previous`: the meta.json of the release
    this one replaces; `independent`: scores measured outside this project, by experiment name.
    """
    result = eval_file.read(eval_file.path(metrics_dir, name))
    split = _read_json(metrics_dir / "split.json", "run `dvc repro split` first")
    trained = _read_json(metrics_dir / "train" / name / "metrics.json", f"run `dvc repro train@{name}` first")
    counts = {part: split[part] for part in ("train", "val", "test") if part in split}
    external = {set_name: part.as_written() for set_name, part in result.external.items()}
    meta = {
        "release": True,
        **export.page_meta(name, model, result),
        "val_shifted": result.val_shifted,
        "held_out": result.test.as_written(),
        "external": external,
        "trained_on": _describe_data(cfg, counts),
        "data_source": cfg.data.source,
        "split": counts,
        "params": _model_params(cfg, name),
        "fit_seconds": _fit_seconds(metrics_dir, name, trained),
        "epochs_run": trained.get("step", -1) + 1 if "step" in trained else None,
        "experiment": experiment,
        "revision": export.git_revision(),
        "replaces": _replaced(previous, independent or {}),
        # This release's own scores where it was judged outside this project (none until someone has).
        "independent": (independent or {}).get(experiment),
    }
    if threshold_from is not None:
        calibrated = (external.get(threshold_from) or {}).get("calibrated")
        if calibrated is None:
            raise UserError(f"--threshold-from {threshold_from}: metrics/eval/{name}.json has no calibrated threshold "
                            f"for that set; add it to evaluate.external with a calibrate rule and run `dvc repro "
                            f"evaluate` (sets: {', '.join(external) or 'none'})")
        meta.update(validation_threshold=meta["threshold"], threshold=calibrated["threshold"],
                    threshold_rule=f"{calibrated['rule']} on {threshold_from}", threshold_set=threshold_from)
    return meta


def _replaced(previous: dict[str, Any] | None, independent: dict[str, Any]) -> dict[str, Any] | None:
    """Who the new release replaces, and how that one scored where it was judged independently."""
    if not previous:
        return None
    return {"model": previous.get("model"), "experiment": previous.get("experiment"),
            "revision": previous.get("revision"), "val": (previous.get("val") or {}).get("scores"),
            "independent": independent.get(previous.get("experiment"))}


def read_independent(path: Path = INDEPENDENT_SCORES) -> dict[str, Any]:
    """Scores measured outside the project (the held-back half of the official test split), by experiment."""
    return json.loads(Path(path).read_text()) if Path(path).is_file() else {}


def write(name: str, params_path: Path, models_dir: Path, metrics_dir: Path, release_dir: Path = RELEASE_DIR,
          site_dir: Path = SITE_DIR, experiment: str | None = None, threshold_from: str | None = None,
          independent: dict[str, Any] | None = None, gates_dir: Path = gate.GATES_DIR) -> dict[str, Any]:
    """Package models/<name> and its metrics as the release: release_dir/ and site_dir/, each replaced whole.

    The TF.js copy is quantised as params.yaml's convert.quantize says, like the pipeline's own.
    """
    model = saved.load(models_dir / name)
    if model.meta.kind != ModelKind.NETWORK:
        raise UserError(f"{name} is a {model.meta.kind} model; the release runs in a browser, so it must be a "
                        "network")
    cfg = config.load(params_path)
    previous_path = Path(release_dir) / META_FILE
    previous = json.loads(previous_path.read_text()) if previous_path.is_file() else None
    meta = metadata(name, cfg, metrics_dir, model, experiment, threshold_from, previous, independent)
    with atomic.writing_dir(release_dir) as temp:
        saved.save(temp / MODEL_DIR, model.meta, model.model)
        # The gate fitted on this model's training films goes with it (predict and the page refuse what it finds
        # unlike them).
        fitted = gate.read_for(Path(gates_dir) / f"{name}.json", model.meta)
        fitted.write(temp / gate.GATE_FILE)
        # The exact file a site calibration (xraylab.serve.calibration) is made for; the page checks it too.
        meta["model_digest"] = saved.digest(temp / MODEL_DIR)
        meta = export.to_tfjs(model.model, site_dir, cfg.convert.quantize, meta, fitted)
        atomic.write_json(temp / META_FILE, meta)
    return meta


def export_site(params_path: Path, release_dir: Path = RELEASE_DIR, site_dir: Path = SITE_DIR,
                independent: dict[str, Any] | None = None) -> dict[str, Any]:
    """Convert the release as it stands (release/: its Keras model, gate and meta.json) for the site again: after
    a change to the export or the page's outputs. Its weights, threshold and figures stay as they are; its scores
    from outside this project are taken from `independent` (by experiment), where it has some by now."""
    model, read = load(release_dir)
    meta = read.as_written()
    meta["independent"] = (independent or {}).get(meta.get("experiment")) or meta.get("independent")
    fitted = gate.read_for(Path(release_dir) / gate.GATE_FILE, model.meta)
    cfg = config.load(params_path)
    meta = {key: value for key, value in meta.items() if key not in ("heatmap", "gate")}  # to_tfjs writes them
    written = export.to_tfjs(model.model, site_dir, cfg.convert.quantize, meta, fitted)
    atomic.write_json(Path(release_dir) / META_FILE, written)
    return written


CARD_METRICS = ("accuracy", "sensitivity", "specificity", "roc_auc", "pr_auc", "f1", "brier", "ece")


def card_table(meta: dict[str, Any]) -> str:
    """The model card's figures from a release's meta.json, as markdown (a generated block of the card)."""
    minutes = f"{meta['fit_seconds'] / 60:.1f} minutes" if meta.get("fit_seconds") else "not recorded"
    if meta.get("threshold_set"):
        threshold = (f"Operating threshold {meta['threshold']:.4f} ({meta['threshold_rule']}: picked on those target "
                     f"films, so their scores below are optimistic); the validation threshold was "
                     f"{meta['validation_threshold']:.4f}.")
    else:
        threshold = f"Threshold {meta['threshold']:.4f} ({meta['threshold_rule']}, picked on validation)."
    external = meta.get("external") or {}
    columns = ["validation", "held-out (same distribution)"] + [
        f"{set_name} ({part['count']} films{', chose the model' if set_name == meta.get('threshold_set') else ''})"
        for set_name, part in external.items()]
    lines = [
        f"Model `{meta['model']}`, {meta['image_size']} × {meta['image_size']} px "
        f"{'greyscale' if meta['channels'] == 1 else 'RGB'}, trained on {meta['trained_on']}; "
        f"{meta.get('epochs_run') or '?'} epochs, fit time {minutes}; experiment `{meta.get('experiment')}`, "
        f"commit `{meta.get('revision')}`. {threshold} Validation and held-out scores are at the validation "
        f"threshold; target scores at the operating one. {round(100 * meta['confidence'])}% bootstrap intervals "
        "in brackets.",
        "",
        "| metric | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    parts = [meta["val"], meta["held_out"]] + [at_operating_threshold(part, set_name, meta)
                                               for set_name, part in external.items()]
    for name in CARD_METRICS:
        cells = [leaderboard.cell(part["scores"].get(name), part.get("interval", {}).get(name)) for part in parts]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if meta.get("val_shifted"):
        lines += ["", "Validation under shift, threshold unchanged:", "",
                  "| shift | accuracy | sensitivity | specificity | ROC AUC |", "|---|---|---|---|---|"]
        for shift, scores in meta["val_shifted"].items():
            lines.append(f"| {shift} | {scores['accuracy']:.3f} | {scores['sensitivity']:.3f} | "
                         f"{scores['specificity']:.3f} | {scores['roc_auc']:.3f} |")
    own = meta.get("independent")
    if own:
        lines += ["", f"Scored independently on {own['films']} films of {own['set']}, at its operating threshold "
                  f"{own['threshold']:.3f}: accuracy {own['accuracy']:.3f}, sensitivity {own['sensitivity']:.3f}, "
                  f"specificity {own['specificity']:.3f}, ROC AUC {own['roc_auc']:.3f}. These films chose nothing: "
                  "the figure to expect on films like the official test films."]
    replaced = meta.get("replaces") or {}
    if replaced.get("independent"):
        scores = replaced["independent"]
        lines += ["", f"It replaces `{replaced['experiment']}` ({replaced['model']}, commit `{replaced['revision']}`), "
                  f"which scored, independently on {scores['films']} films of {scores['set']}: accuracy "
                  f"{scores['accuracy']:.3f}, sensitivity {scores['sensitivity']:.3f}, specificity "
                  f"{scores['specificity']:.3f}, ROC AUC {scores['roc_auc']:.3f}."]
    return "\n".join(lines) + "\n"


def at_operating_threshold(part: dict[str, Any], set_name: str, meta: dict[str, Any]) -> dict[str, Any]:
    """An external set's scores at the threshold the release ships with."""
    return part["calibrated"] if set_name == meta.get("threshold_set") else part["at_val_threshold"]


def load(release_dir: Path = RELEASE_DIR) -> tuple[saved.SavedModel, contract.PageMeta]:
    """The release's Keras model and its meta.json."""
    meta_path = Path(release_dir) / META_FILE
    restore = f"restore it with `git checkout -- {release_dir}`, or pass --model with a model under models/"
    if not meta_path.is_file():
        raise UserError(f"no release model in {release_dir} ({META_FILE} missing); {restore}")
    meta = contract.read(contract.PageMeta, meta_path, "a release's meta.json of this version", restore)
    return saved.load(Path(release_dir) / MODEL_DIR), meta


def _describe_data(cfg: config.Config, counts: dict[str, dict[str, int]]) -> str:
    where = {"local": cfg.data.local.path or cfg.data.local.labels_csv, "sample": cfg.data.sample_dir,
             "mura": cfg.data.mura.path}.get(cfg.data.source, cfg.data.source)
    images = {part: sum(value for key, value in numbers.items() if key != "patients")
              for part, numbers in counts.items()}
    parts = ", ".join(f"{images[part]:,} {part}" for part in images)
    return f"{Path(str(where)).name} ({cfg.data.source} source; patient-grouped split: {parts} images)"


def _model_params(cfg: config.Config, name: str) -> dict[str, Any]:
    # Through JSON: tuples become lists, as in params.yaml.
    return json.loads(json.dumps(cfg.models[name].model_dump()))


def _fit_seconds(metrics_dir: Path, name: str, trained: dict[str, Any]) -> float | None:
    """How long the model's last fit in this workspace took (train.TrainPaths.timing_file); a model trained before
    the timing left DVCLive's log has it there."""
    timing = Path(metrics_dir) / "train" / name / TIMING_FILE
    return json.loads(timing.read_text())["fit_seconds"] if timing.is_file() else trained.get("fit_seconds")


def _read_json(path: Path, hint: str) -> dict[str, Any]:
    if not path.is_file():
        raise UserError(f"{path} not found; {hint}")
    return json.loads(path.read_text())
