"""Monitoring over time (plan 四(三)): a history of checks, comparisons between periods, trends, baselines.

- ``store``: the history store (SQLite by default, PostgreSQL for a shared one), one code path
  through SQLAlchemy Core; ``schema``: its tables and forward migrations.
- ``save``: a check's run into the store, in one transaction, in bounded memory.
- ``runs``: a run read back, from the store or from a JSON report file (schema 1 or 2).
- ``compare``, ``trend``, ``baseline``: pure computations over runs.
- ``render``: their table, JSON, Markdown, HTML (inline SVG charts) and CSV forms.

Nothing here is imported by ``lifeservices check`` unless ``--save`` or ``--baseline`` is given.
"""
