"""evaluate: score every trained model and a majority-class dummy on val, test and any external sets, pick the
best on val, fit each model's chest-film gate and count what it refuses (xraylab/evaluation/run.py); this script
writes what that returns."""
from pathlib import Path

import typer

from xraylab import atomic, cli, config, determinism
from xraylab.data import manifest
from xraylab.evaluation import run
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
    evaluated = run.run(cfg, splits_dir, models_dir)
    with atomic.writing_dir(gates_dir) as gates_temp:
        for name, fitted in evaluated.gates.items():
            fitted.write(gates_temp / f"{name}.json")
    with atomic.writing_dir(metrics_dir / "eval") as eval_dir, \
            atomic.writing_dir(metrics_dir / "predictions") as predictions_dir, \
            atomic.writing_dir(metrics_dir / "plots") as plots_dir:
        for name, model in evaluated.models.items():
            atomic.write_json(eval_dir / f"{name}.json", model.result)
            manifest.write(predictions_dir / f"{name}.csv", model.rows)
            for plot, data in model.plots.items():
                atomic.write_json(plots_dir / plot / f"{name}.json", data)
    atomic.write_json(metrics_dir / "leaderboard.json", evaluated.board)
    atomic.write_json(metrics_dir / "headline.json", evaluated.headline)
    atomic.write_text(metrics_dir / "leaderboard.md", evaluated.table)
    typer.echo(evaluated.table)


if __name__ == "__main__":
    cli.run(app)
