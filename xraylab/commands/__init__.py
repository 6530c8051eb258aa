"""The `xraylab` command: tools run by hand beside `dvc repro`.

The commands themselves are here; what only they use sits beside them: `results.py` (docs/results.md's table from
`dvc exp show`), `profiles.py` (params profiles as `dvc exp run -S` options), `pr_report.py`, `pr_paired.py` and
`pr_plots.py` (the pull-request report), `blocks.py` (generated blocks in the docs). Each command imports what it
needs when it runs: TensorFlow, scikit-learn and matplotlib take seconds to import, and `xraylab --help` or
`xraylab profile` need none of them.
"""
from __future__ import annotations

import shlex
import subprocess
import tempfile
from pathlib import Path

import typer

from xraylab import atomic, cli
from xraylab.commands import blocks
from xraylab.errors import UserError

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  help="xraylab: train, compare, explain and ship X-ray classifiers.")


@app.command()
def report(base: str = typer.Option("main", help="git revision or experiment to compare with"),
           head: str = typer.Option(None, help="git revision or experiment to compare (default: the workspace)"),
           plots: Path = typer.Option(None, help="draw the plots that changed as PNG files in this folder and "
                                                 "link them (write the report into its parent folder)"),
           repo: Path = typer.Option(Path("."), help="the xraylab repository"),
           resamples: int = typer.Option(1000, min=1, help="paired bootstrap resamples"),
           confidence: float = typer.Option(0.95, min=0.5, max=0.999, help="paired bootstrap interval"),
           seed: int = typer.Option(0, help="paired bootstrap seed"),
           paired_json: Path = typer.Option(None, help="also write the paired comparison here as JSON")) -> None:
    """Params, headline metrics, the paired comparison on the same films (which changes are beyond noise), every
    other changed number and the changed plots of HEAD against BASE, as the markdown the pull-request comment
    shows."""
    from xraylab.commands import pr_report

    paired = pr_report.PairedOptions(resamples, seed, confidence, paired_json)
    typer.echo(pr_report.markdown(base, repo, head, plots, paired))


@app.command("predict")
def predict_images(images: list[Path] = typer.Argument(..., help="X-ray image files (JPEG, PNG, DICOM, ...) or "
                                                                "folders of them"),
                   model: str = typer.Option("release", help="release (the model shipped in release/), best "
                                                             "(evaluate's best network) or a model under models/"),
                   heatmap: Path = typer.Option(None, help="write a Grad-CAM overlay PNG here (several images: "
                                                           "OUT_<image name>.png each)"),
                   as_json: bool = typer.Option(False, "--json", help="one JSON object per line and image"),
                   calibrated: bool = typer.Option(True, "--calibrated/--validation-threshold",
                                                   help="use the threshold of `xraylab calibrate` for this model "
                                                        "where there is one, or the model's own (picked on "
                                                        "validation; the release's as shipped)"),
                   models_dir: Path = typer.Option(Path("models")),
                   metrics_dir: Path = typer.Option(Path("metrics")),
                   release_dir: Path = typer.Option(Path("release")),
                   force: bool = typer.Option(False, "--force", help="predict also for films the gate finds "
                                                                      "unlike a frontal chest X-ray (marked)"),
                   calibration_dir: Path = typer.Option(Path("calibration")),
                   gates_dir: Path = typer.Option(Path("gates"))) -> None:
    """Class and probability for each image, at the model's calibrated threshold, or its own. An image the model's
    gate finds unlike a frontal chest X-ray gets the reason instead (exit status 1, as for an unreadable file)."""
    # Imported here: TensorFlow takes seconds to load and prints start-up notices; only predict needs it.
    from xraylab.data import films
    from xraylab.serve import predict
    images = predict.expand(images)
    with tempfile.TemporaryDirectory(prefix="xraylab-predict-") as scratch:
        # Every file is opened before the model loads: DICOM and CMYK are converted, a broken one is reported.
        batch = films.prepare(images, Path(scratch))
        unreadable = [film for film in batch if film.readable is None]
        chosen = None if unreadable == batch else predict.resolve_model(model, models_dir, metrics_dir, release_dir,
                                                                         gates_dir)
        if chosen is not None and chosen.gate is None:
            typer.echo(f"note: {chosen.name} has no chest-film gate (run dvc repro); every readable file is answered",
                       err=True)
        results = ([predict.Unreadable(str(film.path), film.problem) for film in batch] if chosen is None else
                   predict.predict(chosen.model, _operating_threshold(chosen, calibrated, calibration_dir), batch,
                                   chosen.gate, force))
        readable = {str(film.path): film.readable for film in batch}
        for result in results:
            typer.echo(result.json() if as_json else result.text())
            if heatmap is not None and isinstance(result, predict.Prediction):
                predict.save_heatmap(chosen.model, result, readable[result.path],
                                     predict.heatmap_path(heatmap, Path(result.path), several=len(results) > 1))
    unanswered = [result for result in results if isinstance(result, predict.Unreadable)]
    if unanswered:
        refused = len(unanswered) - len(unreadable)
        why = [f"{len(unreadable)} could not be read"] * bool(unreadable) + [
            f"{refused} do not look like frontal chest X-rays (--force predicts them anyway)"] * bool(refused)
        typer.echo(f"error: {len(unanswered)} of {len(batch)} files got no prediction (listed above): "
                   f"{'; '.join(why)}", err=True)
        raise typer.Exit(1)


def _operating_threshold(chosen, calibrated: bool, calibration_dir: Path) -> float:
    """The threshold `xraylab calibrate` chose for this model file where there is one (and it is wanted), else
    the model's own."""
    from xraylab import saved
    from xraylab.serve import calibration
    site = calibration.threshold_for(chosen.name, saved.digest(chosen.directory), calibration_dir) if calibrated \
        else None
    if site is None:
        return chosen.threshold
    # stderr: stdout keeps one line (or JSON object) per image.
    typer.echo(f"threshold {site.threshold:.4f}: calibrated on {site.films} ({site.rule}), "
               f"{calibration.path_for(chosen.name, calibration_dir)}", err=True)
    return site.threshold


@app.command("calibrate")
def calibrate_threshold(films: Path = typer.Argument(..., help="your labelled films: a folder with NORMAL/ and "
                                                               "PNEUMONIA/ inside"),
                        model: str = typer.Option("release", help="release, best or a model under models/"),
                        rule: str = typer.Option("youden", help="youden, max_f1, sensitivity=0.95, "
                                                                "specificity=0.9 or a fixed probability"),
                        params: Path = typer.Option(Path("params.yaml"), help="bootstrap settings: its evaluate "
                                                                              "section"),
                        models_dir: Path = typer.Option(Path("models")),
                        metrics_dir: Path = typer.Option(Path("metrics")),
                        release_dir: Path = typer.Option(Path("release")),
                        calibration_dir: Path = typer.Option(Path("calibration")),
                        gates_dir: Path = typer.Option(Path("gates"), help="evaluate's: a model's gate lists the "
                                                                          "films it refuses"),
                        site_dir: Path = typer.Option(Path("docs/release"), help="the release's copy for the web "
                                                                                  "page")) -> None:
    """Pick the operating threshold on your own labelled films; predict and the page use it from then on."""
    from xraylab import config, saved
    from xraylab.config import rules
    from xraylab.data import external
    from xraylab.serve import calibration, predict
    chosen_rule = rules.check_rule(_number_or_text(rule), "--rule")
    cfg = config.load(params)
    chosen = predict.resolve_model(model, models_dir, metrics_dir, release_dir, gates_dir)
    task = external.task_of(chosen.model.meta.class_names)
    frame = external.read(films, task, "calibrate FILMS")
    result = calibration.calibrate(chosen.model, chosen.name, saved.digest(chosen.directory), frame, films,
                                   chosen_rule, cfg.evaluate, threshold=chosen.threshold,
                                   picked_on=chosen.threshold_source, film_gate=chosen.gate)
    written = calibration.write(result, calibration_dir, site_dir if chosen.name == predict.RELEASE else None)
    typer.echo(calibration.summary(result))
    typer.echo(f"\n{written}: threshold {result['threshold']:.4f} for {chosen.name}; `xraylab predict` "
               f"{'and the web page use' if chosen.name == predict.RELEASE else 'uses'} it from now on")


def _number_or_text(value: str) -> float | str:
    try:
        return float(value)
    except ValueError:
        return value


@app.command("gate")
def fit_gate(films: Path = typer.Argument(..., help="the training films of a model: a folder with NORMAL/ and "
                                                    "PNEUMONIA/ inside (or Kermany's train/test layout)"),
             out: Path = typer.Option(..., help="where the gate goes, e.g. release/gate.json"),
             image_size: int = typer.Option(..., min=8, help="the model's input size"),
             channels: int = typer.Option(..., min=1, max=3, help="the model's input channels"),
             params: Path = typer.Option(Path("params.yaml"), help="its split and gate sections")) -> None:
    """Fit the chest-film gate for a model trained outside this workspace (the release): the folder is split by
    patient as the pipeline splits it, the gate fitted on the training part, its thresholds on held-out films, as
    evaluate does."""
    from xraylab import config
    from xraylab.data import kermany, splits
    from xraylab.serve import gate
    cfg = config.load(params)
    parts = splits.split(kermany.scan(kermany.find_root(films), cfg.data.task), cfg.split.val_fraction,
                         cfg.split.test_fraction, cfg.split.seed)
    fitted = gate.fit(parts["train"], parts["val"], image_size, channels, cfg.gate.size, cfg.gate.components,
                      cfg.gate.keep, cfg.gate.margin)
    fitted.write(out)
    typer.echo(f"gate: {fitted.films} training films, {fitted.val_films} validation films ({image_size} px, "
               f"{channels} channel{'s' * (channels > 1)}) → {out}; thresholds {fitted.thresholds}")


@app.command("release")
def make_release(model: str = typer.Option(None, help="a model under models/; default: evaluate's best network"),
                 experiment: str = typer.Option(None, help="the `dvc exp` name it came from, recorded in meta.json"),
                 threshold_from: str = typer.Option(None, help="ship the threshold calibrated on this set of "
                                                               "evaluate.external instead of the validation one"),
                 params: Path = typer.Option(Path("params.yaml")),
                 models_dir: Path = typer.Option(Path("models")),
                 metrics_dir: Path = typer.Option(Path("metrics")),
                 release_dir: Path = typer.Option(Path("release")),
                 site_dir: Path = typer.Option(Path("docs/release")),
                 gates_dir: Path = typer.Option(Path("gates"), help="evaluate's: the model's gate ships too"),
                 card: Path = typer.Option(Path("docs/model-card.md"), help="the model card whose figures block "
                                                                           "is rewritten"),
                 site_only: bool = typer.Option(False, "--site-only", help="only convert the release as it stands "
                                                "(release/) for the site again, e.g. after an update of xraylab's "
                                                "export; its weights and figures are kept")) -> None:
    """Package a trained model as the release: release/ for `xraylab predict`, docs/release/ for the site."""
    from xraylab.evaluation import leaderboard
    from xraylab.serve import release
    if site_only:
        meta = release.export_site(params, release_dir, site_dir, release.read_independent())
        blocks.replace(card, "release", release.card_table(meta))
        typer.echo(f"release: {meta['model']} ({meta.get('experiment')}) converted again → {site_dir}/")
        return
    if model is None:
        model = leaderboard.best(metrics_dir, network=True)
    meta = release.write(model, params, models_dir, metrics_dir, release_dir, site_dir, experiment=experiment,
                         threshold_from=threshold_from, independent=release.read_independent(), gates_dir=gates_dir)
    blocks.replace(card, "release", release.card_table(meta))
    scores = meta["val"]["scores"]
    typer.echo(f"release: {model} trained on {meta['trained_on']} → {release_dir}/, {site_dir}/; validation "
               f"accuracy {scores['accuracy']:.3f}, AUC {scores['roc_auc']:.3f}; threshold {meta['threshold']:.4f} "
               f"({meta['threshold_rule']})")
    for set_name, part in meta["external"].items():
        at = release.at_operating_threshold(part, set_name, meta)["scores"]
        typer.echo(f"  {set_name} ({part['count']} films): accuracy {at['accuracy']:.3f}, sensitivity "
                   f"{at['sensitivity']:.3f}, specificity {at['specificity']:.3f}, AUC {at['roc_auc']:.3f}"
                   + (" (this set chose the threshold: optimistic)" if set_name == meta.get("threshold_set") else ""))


@app.command("batch-split")
def batch_split(root: Path = typer.Argument(..., help="a Kermany folder (NORMAL/ and PNEUMONIA/ inside)"),
                out: Path = typer.Option(..., help="the labels CSV to write, for data.local.labels_csv"),
                held_out: str = typer.Option("NORMAL2", help="the NORMAL batch to hold out: IM or NORMAL2"),
                pneumonia_fraction: float = typer.Option(0.15, help="share of PNEUMONIA patients in the test split"),
                seed: int = typer.Option(42)) -> None:
    """Labels whose test split is one acquisition batch of NORMAL films: validation by batch."""
    from xraylab.data import batches
    table = batches.holding_out(root, held_out, pneumonia_fraction, seed)
    atomic.write_text(out, table.to_csv(index=False))
    test = table[table["split"] == "test"]
    typer.echo(f"{out}: {len(table)} films; test = {(test['label'] == 'NORMAL').sum()} NORMAL of batch {held_out} "
               f"+ {(test['label'] == 'PNEUMONIA').sum()} PNEUMONIA")


@app.command("leaderboard")
def show_leaderboard(metrics_dir: Path = typer.Option(Path("metrics"), help="where evaluate wrote it"),
                     readme: Path = typer.Option(None, help="write the table into this README's leaderboard "
                                                             "block instead of printing it")) -> None:
    """The current leaderboard (from evaluate's committed output) as a markdown table."""
    table_path = metrics_dir / "leaderboard.md"
    if not table_path.is_file():
        raise UserError(f"{table_path} not found; run `dvc repro evaluate` first")
    table = table_path.read_text()
    if readme is None:
        typer.echo(table, nl=False)
    else:
        changed = blocks.replace(readme, "leaderboard", table)
        typer.echo(f"{readme}: leaderboard {'updated' if changed else 'already current'}")


@app.command("results")
def write_results(out: Path = typer.Option(Path("docs/results.md"), help="the document holding a results block"),
                  repo: Path = typer.Option(Path("."), help="the xraylab repository")) -> None:
    """Regenerate the experiment table of docs/results.md from `dvc exp show`."""
    from xraylab.commands import results

    table = results.markdown(list(results.rows(results.experiments(repo), repo)))
    changed = blocks.replace(out, "results", table)
    typer.echo(f"{out}: results {'updated' if changed else 'already current'}")


@app.command()
def profile(path: Path = typer.Argument(..., help="a profile of params overrides, e.g. profiles/gpu.yaml"),
            params: Path = typer.Option(Path("params.yaml"), help="the params file it overrides"),
            run: bool = typer.Option(False, "--run", help="run the experiment now"),
            queue: bool = typer.Option(False, "--queue", help="queue it for `dvc queue start`"),
            name: str = typer.Option(None, "--name", "-n", help="the experiment's name in `dvc exp show`"),
            extra: list[str] = typer.Option([], "--set", "-S",
                                            help="one more `dvc exp run -S` override after the profile's, e.g. "
                                                 "an absolute path that cannot live in a profile")) -> None:
    """Print the `dvc exp run -S ...` command that applies a profile; run or queue it on request."""
    from xraylab.commands import profiles

    command = ["dvc", "exp", "run", *(["--queue"] if queue else []), *(["--name", name] if name else []),
               *profiles.set_options(path, params), *(word for pair in extra for word in ("-S", pair))]
    typer.echo(shlex.join(command))
    if run or queue:
        raise typer.Exit(subprocess.run(command).returncode)


def main() -> None:
    cli.run(app)
