"""gate: for each network of train.models, the chest-film gate its inputs pass through (xraylab/serve/gate.py),
fitted on the training split and with thresholds from the validation split."""
from pathlib import Path

import typer

from xraylab import atomic, cli, config, determinism
from xraylab.data import manifest
from xraylab.kinds import ModelKind
from xraylab.serve import gate

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         splits_dir: Path = typer.Option(Path("data/splits")),
         gates_dir: Path = typer.Option(gate.GATES_DIR)) -> None:
    cfg = config.load(params)
    determinism.pin_cpu(cfg.cpu)
    train, val = (manifest.read(splits_dir / f"{name}.csv") for name in ("train", "val"))
    networks = [name for name in cfg.train.models if cfg.models[name].type != ModelKind.CLASSIC]
    with atomic.writing_dir(gates_dir) as temp:
        for name in networks:
            network = cfg.models[name]
            fitted = gate.fit(train, val, network.image_size, network.channels, cfg.gate.size, cfg.gate.components,
                              cfg.gate.keep, cfg.gate.margin)
            fitted.write(temp / f"{name}.json")
            typer.echo(f"gate@{name}: {fitted.films} training films, thresholds from {fitted.val_films} validation "
                       f"films: {fitted.thresholds}")


if __name__ == "__main__":
    cli.run(app)
