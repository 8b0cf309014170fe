"""The columnar fast path: large CSV files checked in batches with polars.

It gives the record engine's results byte for byte, or it does not decide. Numbers are exact
rationals held as two Int128 columns (numerator, denominator > 0) with proven bounds; yes/no
logic is Kleene (polars' ``&``/``|`` with nulls); an unknown carries the bit set of the fields it
lacks. A row the columns cannot settle exactly is a *hard* row and goes through the record engine
instead; an input they cannot read as the record reader does raises ``NotFast`` and the record
engine takes all of it. The output is the JSON report's result entries, in input order.

- ``rationals``: exact rational columns and their texts;
- ``formulas``: formula trees as expressions, and what an unknown lacks;
- ``cells``: cells read in columns, or by the record converter once per distinct text;
- ``plan``: the stages of expressions of one input (cells, metrics, decisions, numbers, text);
- ``reader``: the file in blocks of whole lines (``why_not``: whether an input can be read so);
- ``driver``: ``run``, the batches one ahead of the writer, hard rows, counts and duplicate ids.
"""

from __future__ import annotations

import os
import sys

if "polars" not in sys.modules:  # before polars loads its allocator
    # jemalloc (polars' allocator) keeps freed pages for 10 s by default, in one arena per core,
    # so a long run would hold ~100 MiB it no longer uses: give them back within 0.1 s, from one
    # arena (measured: 1M rows peak at 214-244 MiB instead of 300-350, no slower), unless the
    # user tuned it already.
    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:100,muzzy_decay_ms:0,narenas:1")

from lifeservices_cli.engine.columnar.driver import run  # noqa: E402
from lifeservices_cli.engine.columnar.plan import Plan  # noqa: E402
from lifeservices_cli.engine.columnar.rationals import NotFast  # noqa: E402
from lifeservices_cli.engine.columnar.reader import batches, why_not  # noqa: E402

__all__ = ["NotFast", "Plan", "batches", "run", "why_not"]
