"""gate@<model>: the chest-film gate the model's inputs pass through (xraylab/serve/gate.py), fitted on the
training split, its thresholds on held-out films, at the input size and channels the saved model records."""
import json
from pathlib import Path

import typer

from xraylab import cli, config, determinism, saved
from xraylab.data import manifest
from xraylab.serve import gate

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(model: str = typer.Argument(..., help="a model of train.models"),
         params: Path = typer.Option(Path("params.yaml"), help="params file"),
         splits_dir: Path = typer.Option(Path("data/splits")),
         models_dir: Path = typer.Option(Path("models")),
         gates_dir: Path = typer.Option(gate.GATES_DIR)) -> None:
    cfg = config.load(params)
    determinism.pin_cpu(cfg.cpu)
    # The input size from the saved model, not params: a change to its other params leaves the gate as it was.
    meta = json.loads((models_dir / model / saved.META_FILE).read_text())
    train, val = (manifest.read(splits_dir / f"{name}.csv") for name in ("train", "val"))
    fitted = gate.fit(train, val, meta["image_size"], meta["channels"], cfg.gate.size, cfg.gate.components,
                      cfg.gate.keep, cfg.gate.margin)
    fitted.write(gates_dir / f"{model}.json")
    typer.echo(f"gate@{model}: {fitted.films} training films, thresholds from held-out films: {fitted.thresholds}")


if __name__ == "__main__":
    cli.run(app)
