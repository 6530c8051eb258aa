"""The `xraylab` command: tools run by hand beside `dvc repro`."""
from __future__ import annotations

from pathlib import Path

import typer

from xraylab import cli, pr_report

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False,
                  help="xraylab: train, compare, explain and ship X-ray classifiers.")


@app.callback()
def _root() -> None:
    """Keeps `xraylab COMMAND` form even while there is one command."""


@app.command()
def report(base: str = typer.Option("main", help="git revision to compare the workspace with"),
           repo: Path = typer.Option(Path("."), help="the xraylab repository")) -> None:
    """Params and metrics diff against BASE, as the markdown the pull-request comment shows."""
    typer.echo(pr_report.markdown(base, repo))


def main() -> None:
    cli.run(app)
