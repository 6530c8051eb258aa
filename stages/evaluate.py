"""evaluate: score every trained model and a majority-class dummy on val, test and any external sets; pick the
best on val. Each model's chest-film gate is fitted here too, and what it refuses of every set is counted."""
import contextlib
from pathlib import Path

import pandas as pd
import typer

from xraylab import atomic, cli, config, determinism, labels, saved
from xraylab.data import external, films, manifest, sources
from xraylab.evaluation import curves, leaderboard, metrics, scoring
from xraylab.evaluation.scoring import Predictions
from xraylab.kinds import ModelKind
from xraylab.serve import gate

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         splits_dir: Path = typer.Option(Path("data/splits")),
         models_dir: Path = typer.Option(Path("models")),
         metrics_dir: Path = typer.Option(Path("metrics")),
         gates_dir: Path = typer.Option(gate.GATES_DIR)) -> None:
    cfg = config.load(params)
    determinism.pin_cpu(cfg.cpu)
    class_names = sources.class_names(cfg.data)
    # Read first: a missing or malformed folder fails at once, naming its key, before anything else runs.
    external_sets = {name: external.read(Path(entry.path), cfg.data.task, f"evaluate.external.{name}.path")
                     for name, entry in cfg.evaluate.external.items()}
    train, val, test = (manifest.read(splits_dir / f"{name}.csv") for name in ("train", "val", "test"))

    predictions, shifted, external_predictions, inputs = {}, {}, {}, {}
    with contextlib.ExitStack() as stack:
        # DICOM or CMYK films are read through converted copies; the predictions keep the films' own paths.
        readable = {name: stack.enter_context(films.decodable(frame, f"evaluate.external.{name}.path"))
                    for name, frame in external_sets.items()}
        for name in cfg.train.models:
            model = saved.load(models_dir / name)
            inputs[name] = (model.meta.image_size, model.meta.channels)
            predictions[name] = (model.meta.kind, Predictions(val, model.probabilities(val)),
                                 Predictions(test, model.probabilities(test)))
            shifted[name] = {shift_name: Predictions(val, model.probabilities(val, shift))
                             for shift_name, shift in cfg.evaluate.shifts.items()}
            external_predictions[name] = {set_name: Predictions(frame, model.probabilities(readable[set_name]))
                                          for set_name, frame in external_sets.items()}
        # Fitted on the training films only, thresholds on held-out ones (xraylab/serve/gate.py).
        gates = gate.fit_each(inputs, train, val, cfg.gate.size, cfg.gate.components, cfg.gate.keep, cfg.gate.margin)
        refusals = {name: {"val": gate.refusals(fitted, val), "test": gate.refusals(fitted, test),
                           **{set_name: gate.refusals(fitted, frame, readable[set_name])
                              for set_name, frame in external_sets.items()}} for name, fitted in gates.items()}
    majority = lambda frame: Predictions(  # noqa: E731
        frame, metrics.majority_probabilities(train["label"], len(frame), len(class_names)))
    predictions[leaderboard.DUMMY] = (ModelKind.DUMMY, majority(val), majority(test))
    external_predictions[leaderboard.DUMMY] = {set_name: majority(frame) for set_name, frame in external_sets.items()}

    results = {name: scoring.evaluate(kind, class_names, cfg.evaluate, val_predictions, test_predictions,
                                      shifted.get(name), external_predictions[name])
               for name, (kind, val_predictions, test_predictions) in predictions.items()}
    for name, refused in refusals.items():
        results[name]["gate"] = scoring.gate_report(refused, external_predictions[name], results[name]["threshold"],
                                                    cfg.evaluate)
    with atomic.writing_dir(gates_dir) as gates_temp:
        for name, fitted in gates.items():
            fitted.write(gates_temp / f"{name}.json")
    with atomic.writing_dir(metrics_dir / "eval") as eval_dir, \
            atomic.writing_dir(metrics_dir / "predictions") as predictions_dir, \
            atomic.writing_dir(metrics_dir / "plots") as plots_dir:
        for name, (kind, val_predictions, test_predictions) in predictions.items():
            result = results[name]
            atomic.write_json(eval_dir / f"{name}.json", result)
            parts = {"val": val_predictions, "test": test_predictions,
                     **{f"external:{set_name}": frame for set_name, frame in external_predictions[name].items()}}
            rows = pd.concat([scoring.predictions_frame(split, split_predictions, result["threshold"], class_names)
                              for split, split_predictions in parts.items()])
            manifest.write(predictions_dir / f"{name}.csv", rows)
            if name != leaderboard.DUMMY:
                write_plots(plots_dir, name, test_predictions, result["threshold"], class_names,
                            cfg.evaluate.calibration_bins)

    board = leaderboard.build(results, cfg.evaluate.select_metric)
    atomic.write_json(metrics_dir / "leaderboard.json", board)
    atomic.write_json(metrics_dir / "headline.json", leaderboard.headline(board))
    table = leaderboard.markdown(board, results)
    atomic.write_text(metrics_dir / "leaderboard.md", table)
    typer.echo(table)


def write_plots(plots_dir: Path, name: str, test: Predictions, threshold: float, class_names: tuple[str, ...],
                bins: int) -> None:
    is_positive, probabilities = test.is_positive, test.positive
    atomic.write_json(plots_dir / "roc" / f"{name}.json", curves.roc(is_positive, probabilities))
    atomic.write_json(plots_dir / "precision_recall" / f"{name}.json", curves.precision_recall(is_positive, probabilities))
    atomic.write_json(plots_dir / "reliability" / f"{name}.json", curves.reliability(is_positive, probabilities, bins))
    # Of the classes the threshold from validation gives (xraylab.labels: for several, pneumonia or not, then its kind).
    atomic.write_json(plots_dir / "confusion" / f"{name}.json",
                      curves.confusion(test.frame["label"].to_numpy(), labels.predicted(test.probabilities, threshold),
                                       class_names))


if __name__ == "__main__":
    cli.run(app)
