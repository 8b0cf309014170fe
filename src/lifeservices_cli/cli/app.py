"""The ``lifeservices`` app: the commands of ``check``, ``pack``, ``inspect`` and ``history``
registered in the order ``--help`` lists them. Nothing here parses or checks anything.
"""

from typing import Annotated

import typer

from lifeservices_cli._version import __version__
from lifeservices_cli.cli import check, history, inspect, pack

app = typer.Typer(
    name="lifeservices",
    help="Check planning data against the Baicheng 2022 life-services action plan (白发改社联字〔2022〕323号).",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lifeservices {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Check planning data against the Baicheng 2022 life-services action plan (白发改社联字〔2022〕323号)."""


def main() -> None:
    """Run the command line; Ctrl-C exits 130 with one line (the ``lifeservices`` command starts in
    ``__main__``, which handles Ctrl-C before this module is even imported)."""
    from lifeservices_cli.cli import interrupts

    interrupts.run(app)


app.command()(check.check)
app.command()(pack.explain)
app.command()(pack.lint)
app.command("test")(pack.test_packs)
app.command()(pack.template)
app.command()(pack.schema)
app.command()(history.compare)
app.command()(history.trend)
app.command()(inspect.inspect)
app.add_typer(pack.indicators_app, name="indicators")
app.add_typer(history.history_app, name="history")
