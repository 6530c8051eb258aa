"""evaluate: score every trained model and a majority-class dummy on val and test; pick the best on val."""
from pathlib import Path

import typer

from xraylab import atomic, cli, config, leaderboard, manifest, metrics, saved

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         splits_dir: Path = typer.Option(Path("data/splits")),
         models_dir: Path = typer.Option(Path("models")),
         metrics_dir: Path = typer.Option(Path("metrics"))) -> None:
    cfg = config.load(params)
    threshold = cfg.evaluate.threshold
    train, val, test = (manifest.read(splits_dir / f"{name}.csv") for name in ("train", "val", "test"))

    results = {}
    for name in cfg.train.models:
        model = saved.load(models_dir / name)
        results[name] = leaderboard.model_result(model.meta.kind, threshold, val["label"], model.predict(val),
                                                 test["label"], model.predict(test))
    results[leaderboard.DUMMY] = leaderboard.model_result(
        "dummy", threshold, val["label"], metrics.majority_probabilities(train["label"], len(val)),
        test["label"], metrics.majority_probabilities(train["label"], len(test)))

    for name, result in results.items():
        atomic.write_json(metrics_dir / "eval" / f"{name}.json", result)
    board = leaderboard.build(results, cfg.evaluate.select_metric)
    atomic.write_json(metrics_dir / "leaderboard.json", board)
    table = leaderboard.markdown(board)
    atomic.write_text(metrics_dir / "leaderboard.md", table)
    typer.echo(table)


if __name__ == "__main__":
    cli.run(app)
