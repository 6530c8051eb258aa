"""check: all of params.yaml, before any other stage runs.

DVC removes a stage's outputs before it runs the stage, so a stage that stopped on a bad value would leave
its committed reports and metrics deleted from the working tree. Every stage depends on this one's output,
so a bad value stops `dvc repro` here, where nothing tracked is at stake.
"""
from pathlib import Path

import typer

from xraylab import atomic, cli, config

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         out: Path = typer.Option(Path("data/params.ok"), help="written when everything passed")) -> None:
    # Every section, every key: errors name the key path. Not whether data folders exist: experiments queued
    # with `dvc exp run --queue` run in a temporary copy where a relative data path may not resolve, and
    # rerun this stage there; the download stage names a missing folder when it needs one.
    cfg = config.load(params)
    # The same bytes every time: stages after this one rerun for their own params, never for this file.
    atomic.write_text(out, "params.yaml passed stages/check.py\n")
    typer.echo(f"check: {params} is valid; data.source {cfg.data.source}")


if __name__ == "__main__":
    cli.run(app)
