"""balance: the training manifest with augmented minority copies, each row carrying its recipe."""
from pathlib import Path

import typer

from xraylab import augment, cli, config, manifest

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         train_manifest: Path = typer.Option(Path("data/splits/train.csv")),
         balanced_manifest: Path = typer.Option(Path("data/splits/train_balanced.csv"))) -> None:
    cfg = config.load(params).balance
    balanced = augment.plan_balance(manifest.read(train_manifest), cfg)
    manifest.write(balanced_manifest, balanced)
    typer.echo(f"balance ({cfg.method}): images per label {balanced['label'].value_counts().sort_index().to_dict()}")


if __name__ == "__main__":
    cli.run(app)
