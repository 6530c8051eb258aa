"""train: fit one model from the registry on the balanced manifest."""
from pathlib import Path

import typer

from xraylab import cli, config, determinism
from xraylab.config import ConfigError
from xraylab.data import balance, manifest, sources
from xraylab.training import train

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(model: str = typer.Argument(..., help="a section of models in params.yaml, e.g. custom_cnn"),
         params: Path = typer.Option(Path("params.yaml"), help="params file"),
         splits_dir: Path = typer.Option(Path("data/splits")),
         models_dir: Path = typer.Option(Path("models")),
         live_dir: Path = typer.Option(Path("metrics/train"), help="DVCLive logs, one folder per model"),
         backup_dir: Path = typer.Option(Path("checkpoints"), help="unfinished runs, resumed by a rerun"),
         features_dir: Path = typer.Option(Path("data/features"),
                                           help="bottleneck features, kept between runs (not a DVC output)"),
         ) -> None:
    cfg = config.load(params)
    determinism.pin_cpu(cfg.cpu)
    if model not in cfg.models:
        raise ConfigError(f"models.{model} is missing from {params}: known {sorted(cfg.models)}")
    seconds = train.fit(model, cfg.models[model], cfg.train,
              train=manifest.read(splits_dir / "train_balanced.csv"),
              val=manifest.read(splits_dir / "val.csv"),
              class_names=sources.class_names(cfg.data),
              class_weights=balance.read_class_weights(splits_dir / balance.WEIGHTS_FILE),
              paths=train.TrainPaths(model_dir=models_dir / model, live_dir=live_dir / model,
                                     backup_dir=backup_dir / model, features_dir=features_dir / model))
    typer.echo(f"train@{model}: fitted in {seconds:.1f} s")


if __name__ == "__main__":
    cli.run(app)
