"""balance: the training manifest with augmented minority copies (each row carrying its recipe), and
class weights for the loss."""
from pathlib import Path

import typer

from xraylab import cli, config
from xraylab.data import balance, manifest, sources

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         train_manifest: Path = typer.Option(Path("data/splits/train.csv")),
         balanced_manifest: Path = typer.Option(Path("data/splits/train_balanced.csv")),
         weights_file: Path = typer.Option(Path("data/splits") / balance.WEIGHTS_FILE)) -> None:
    cfg = config.load(params)
    train = manifest.read(train_manifest)
    balanced = balance.plan_balance(train, cfg.balance)
    weights = balance.class_weights(train, cfg.balance, len(sources.class_names(cfg.data)))
    manifest.write(balanced_manifest, balanced)
    balance.write_class_weights(weights_file, weights)
    typer.echo(f"balance ({cfg.balance.method}): images per label "
               f"{balanced['label'].value_counts().sort_index().to_dict()}, class weights {weights}")


if __name__ == "__main__":
    cli.run(app)
