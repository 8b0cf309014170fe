"""The lean script a batch user writes first: one CSV row per community with the two statuses and gaps.

``python lean_polars.py DATA.csv OUT.csv``: read the community CSV (UTF-8), cast the area and the
households leniently (a dirty cell becomes null), and write ``社区编码, new_status, new_gap,
per100_status, per100_gap`` — pass/fail/missing, no messages, no clause, no invalid-data
reasons, floats. It is the floor the compact formats (parquet) are measured against.
"""

from __future__ import annotations

import sys

import polars as pl

IS_NEW, IS_URBAN, HOUSEHOLDS, AREA = "是否新建", "是否城市社区", "户数（户）", "综合服务设施面积（平方米）"


def _status(ok: pl.Expr, applies: pl.Expr) -> pl.Expr:
    return pl.when(~applies).then(pl.lit("not_applicable")).when(ok.is_null()).then(pl.lit("missing_data")).when(
        ok
    ).then(pl.lit("pass")).otherwise(pl.lit("fail"))


def main(source: str, out: str) -> None:
    data = pl.scan_csv(source, infer_schema=False)
    area = pl.col(AREA).str.strip_chars().cast(pl.Float64, strict=False)
    households = pl.col(HOUSEHOLDS).str.strip_chars().cast(pl.Float64, strict=False)
    per100 = pl.when(households > 0).then(area / households * 100)
    is_new = pl.col(IS_NEW).str.strip_chars() == "是"
    is_urban = pl.col(IS_URBAN).str.strip_chars() != "否"
    data.select(
        pl.col("社区编码"),
        _status(area >= 500, is_new.fill_null(False)).alias("new_status"),
        (area - 500).alias("new_gap"),
        _status(per100 >= 30, is_urban.fill_null(True)).alias("per100_status"),
        (per100 - 30).alias("per100_gap"),
    ).sink_csv(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
