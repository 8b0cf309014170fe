"""Pack authoring: the functions behind ``indicators list``, ``explain``, ``lint``, ``test``,
``template`` and ``schema``.

Each module returns plain data (dicts, dataclasses, text); ``cli_pack.py`` turns it into
tables, JSON or files. Nothing here prints or exits.
"""
