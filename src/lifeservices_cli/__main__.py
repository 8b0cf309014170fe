"""``python -m lifeservices_cli`` and the ``lifeservices`` command.

Ctrl-C is handled before the command line (typer, rich, ...) is imported, so an interruption
at any moment exits 130 with one line, never a traceback (see ``interrupts``).
"""

import gc

from lifeservices_cli.cli import interrupts


def _app() -> None:
    from lifeservices_cli.cli.app import app

    app()


def main() -> None:
    """Console-script entry point."""
    gc.disable()  # until the command's real work begins: see interrupts.started
    try:
        interrupts.run(_app)
    finally:
        gc.freeze()  # the process ends now: nothing it built needs collecting on the way out


if __name__ == "__main__":
    main()
