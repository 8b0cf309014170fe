"""The record key: what identifies a record across periods.

``entity:record_id`` when the record has an id (``community:TB-001``); a row without an id (a
district row) is ``entity@district`` (``district@洮北区``), and its year is kept beside the key:
when one run holds several rows of the same key and indicator (a district's 2022 and 2023 rows),
the year tells them apart (``compare`` matches such rows by key and year). A record with neither
an id nor a district has no key (None): it is stored, never matched, and counted by ``compare``.
"""

from __future__ import annotations

import polars as pl


def record_key(entity: str | None, record_id: str | None, district: str | None) -> str | None:
    if record_id:
        return f"{entity}:{record_id}"
    if district:
        return f"{entity}@{district}"
    return None


def key_expr() -> pl.Expr:
    """``record_key`` as a polars expression over ``entity``, ``record_id`` and ``district``."""
    rid, district = pl.col("record_id"), pl.col("district")
    return (
        pl.when(rid.is_not_null() & (rid != ""))
        .then(pl.concat_str([pl.col("entity"), pl.lit(":"), rid]))
        .when(district.is_not_null() & (district != ""))
        .then(pl.concat_str([pl.col("entity"), pl.lit("@"), district]))
        .otherwise(pl.lit(None, dtype=pl.Utf8))
    )


def match_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``match``: the key a result is matched by, or null when it cannot be matched.

    Unique (key, indicator) pairs match by key; repeated ones by key and year; what is still
    repeated (or has no year to tell the rows apart) is not matched.
    """
    by = ["record_key", "indicator"]
    frame = frame.with_columns(pl.len().over(by).alias("_dups"))
    with_year = pl.concat_str([pl.col("record_key"), pl.lit("#"), pl.col("year")])
    frame = frame.with_columns(
        pl.when(pl.col("record_key").is_null())
        .then(pl.lit(None, dtype=pl.Utf8))
        .when(pl.col("_dups") == 1)
        .then(pl.col("record_key"))
        .otherwise(with_year)  # null when the year is
        .alias("match")
    )
    frame = frame.with_columns(pl.len().over(["match", "indicator"]).alias("_dups"))
    return frame.with_columns(
        pl.when(pl.col("_dups") == 1).then(pl.col("match")).otherwise(pl.lit(None, dtype=pl.Utf8)).alias("match")
    ).drop("_dups")
