"""The bundled pack's community checks, written by hand with polars: the baseline to beat.

``python polars_check.py DATA.csv OUT.ndjson`` reads a community CSV (UTF-8) and writes one
JSON line per record × indicator — ``line, record_id, record_name, district, indicator, status,
value, threshold, gap, shortfall`` — in record order, like the results of our JSON report. It
prints the status counts.

What it does, as a careful analyst would in an afternoon:

- the two indicators of 二(二)4: ``new-community-facility-area`` (new communities, area
  不低于 500 m²) and ``facility-area-per-100-households`` (urban communities — all of them when
  the column is absent — area / households × 100 不低于 30), with the five statuses: a blank
  cell or a missing mark (``—``, ``/``, ``N/A`` …) gives ``missing_data``; an unreadable cell,
  a negative number or 0 households (division by zero) gives ``invalid_data``; ``gap`` is
  value − threshold and ``shortfall`` what is still to be provided on a failure;
- lenient casts (``strict=False``), so a dirty cell never aborts the run;
- the usual spreadsheet spellings: 是/否 and √/× style marks, full-width digits, thousands
  separators (``1,020`` but not ``1,2``), an area unit in the cell (``600㎡``, ``600平方米``).

What it does not do: no messages, no clause or departments per result, no header matching
(the exact Chinese headers are hard-coded), no unit conversion (a unit in the header or a cell
other than the area units above is unreadable), no encoding detection (UTF-8 only), no line
numbers for quoted cells spanning lines, no pack: the rules are in the code. Arithmetic is
float, so a value exactly on the threshold (33.3 m² for 111 households) can fall either side,
where the tool compares exact rationals.
"""

from __future__ import annotations

import sys

import polars as pl

ID, NAME, DISTRICT = "社区编码", "社区名称", "县（市、区）"
IS_NEW, IS_URBAN, HOUSEHOLDS, AREA = "是否新建", "是否城市社区", "户数（户）", "综合服务设施面积（平方米）"

MISSING = ["", "-", "--", "---", "—", "——", "–", "/", "\\", "n/a", "na", "#n/a", "null", "none", "~", "…", "..."]
TRUE = ["是", "有", "true", "yes", "y", "t", "√", "✓", "✔", "1", "对"]
FALSE = ["否", "无", "没有", "false", "no", "n", "f", "×", "✗", "✘", "0", "错"]
FULL_WIDTH = [chr(0xFF10 + d) for d in range(10)] + ["．", "，"]
HALF_WIDTH = [str(d) for d in range(10)] + [".", ","]
NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
GROUPED = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
AREA_UNIT = r"\s*(㎡|平方米|m²|m2)$"


def cell(name: str) -> pl.Expr:
    """The cell trimmed and lower-cased, null when blank or a missing mark."""
    text = pl.col(name).str.strip_chars().str.to_lowercase()
    return pl.when(text.is_in(MISSING)).then(None).otherwise(text)


def state(text: str, value: str) -> pl.Expr:
    """ok, missing (blank cell) or invalid (a cell that did not read as a value)."""
    return (
        pl.when(pl.col(text).is_null())
        .then(pl.lit("missing"))
        .when(pl.col(value).is_null())
        .then(pl.lit("invalid"))
        .otherwise(pl.lit("ok"))
    )


def parsed(data: pl.LazyFrame, urban_present: bool) -> pl.LazyFrame:
    """The checked cells as values and states, one step per stage so no expression is computed twice."""
    flags = [IS_NEW, IS_URBAN] if urban_present else [IS_NEW]
    numbers = {HOUSEHOLDS: None, AREA: AREA_UNIT}
    frame = data.with_row_index("row").with_columns(
        *(cell(c).alias(f"t:{c}") for c in [*flags, *numbers]),
    )
    cleaned = []
    for c, unit in numbers.items():
        text = pl.col(f"t:{c}").str.replace_many(FULL_WIDTH, HALF_WIDTH)
        cleaned.append((text.str.replace(unit, "") if unit else text).alias(f"n:{c}"))
    frame = frame.with_columns(*cleaned)
    frame = frame.with_columns(  # 1,020 is a thousands separator; 1,2 is not a number
        pl.when(pl.col(f"n:{c}").str.contains(GROUPED))
        .then(pl.col(f"n:{c}").str.replace_all(",", ""))
        .otherwise(pl.col(f"n:{c}"))
        .alias(f"n:{c}")
        for c in numbers
    )
    frame = frame.with_columns(
        *(
            pl.when(pl.col(f"t:{c}").is_in(TRUE)).then(True).when(pl.col(f"t:{c}").is_in(FALSE)).then(False)
            .alias(f"v:{c}")
            for c in flags
        ),
        *(  # lenient cast: what is not a number becomes null instead of raising
            pl.when(pl.col(f"n:{c}").str.contains(NUMBER)).then(pl.col(f"n:{c}").cast(pl.Float64, strict=False))
            .alias(f"v:{c}")
            for c in numbers
        ),
    )
    frame = frame.with_columns(pl.when(pl.col(f"v:{c}") >= 0).then(pl.col(f"v:{c}")).alias(f"v:{c}") for c in numbers)
    return frame.select(
        (pl.col("row") + 2).alias("line"),
        pl.col(ID).alias("record_id"),
        pl.col(NAME).alias("record_name"),
        pl.col(DISTRICT).alias("district"),
        pl.col(f"v:{IS_NEW}").alias("is_new"),
        state(f"t:{IS_NEW}", f"v:{IS_NEW}").alias("new_state"),
        (pl.col(f"v:{IS_URBAN}") if urban_present else pl.lit(True)).alias("is_urban"),
        (state(f"t:{IS_URBAN}", f"v:{IS_URBAN}") if urban_present else pl.lit("ok")).alias("urban_state"),
        pl.col(f"v:{HOUSEHOLDS}").alias("households"),
        state(f"t:{HOUSEHOLDS}", f"v:{HOUSEHOLDS}").alias("h_state"),
        pl.col(f"v:{AREA}").alias("area"),
        state(f"t:{AREA}", f"v:{AREA}").alias("a_state"),
    )


def check(path: str) -> pl.DataFrame:
    data = pl.scan_csv(path, infer_schema=False)  # every column as text: no cast can fail here
    base = parsed(data, IS_URBAN in data.collect_schema().names())
    keep = ["line", "record_id", "record_name", "district"]

    def status(applies_state: str, applies: str, data_state: pl.Expr, passes: pl.Expr) -> pl.Expr:
        return (
            pl.when(pl.col(applies_state) == "invalid")
            .then(pl.lit("invalid_data"))
            .when(pl.col(applies_state) == "missing")
            .then(pl.lit("missing_data"))
            .when(~pl.col(applies))
            .then(pl.lit("not_applicable"))
            .when(data_state == "invalid")
            .then(pl.lit("invalid_data"))
            .when(data_state == "missing")
            .then(pl.lit("missing_data"))
            .when(passes)
            .then(pl.lit("pass"))
            .otherwise(pl.lit("fail"))
        )

    # households of 0 make the ratio a division by zero: invalid, whatever the area.
    ratio_state = (
        pl.when((pl.col("a_state") == "invalid") | (pl.col("h_state") == "invalid") | (pl.col("households") == 0))
        .then(pl.lit("invalid"))
        .when((pl.col("a_state") == "missing") | (pl.col("h_state") == "missing"))
        .then(pl.lit("missing"))
        .otherwise(pl.lit("ok"))
    )
    per100 = pl.col("area") / pl.col("households") * 100
    frame = base.with_columns(
        s1=status("new_state", "is_new", pl.col("a_state"), pl.col("area") >= 500),
        s2=status("urban_state", "is_urban", ratio_state, per100 >= 30),
        per100=per100,
    )
    decided = ["pass", "fail"]
    one = frame.select(
        *keep,
        pl.lit(0, pl.UInt8).alias("k"),
        pl.lit("new-community-facility-area").alias("indicator"),
        pl.col("s1").alias("status"),
        pl.when(pl.col("s1").is_in(decided)).then(pl.col("area")).alias("value"),
        pl.lit(500.0).alias("threshold"),
        pl.when(pl.col("s1").is_in(decided)).then(pl.col("area") - 500).alias("gap"),
        pl.when(pl.col("s1") == "fail").then(500 - pl.col("area")).alias("shortfall"),
    )
    two = frame.select(
        *keep,
        pl.lit(1, pl.UInt8).alias("k"),
        pl.lit("facility-area-per-100-households").alias("indicator"),
        pl.col("s2").alias("status"),
        pl.when(pl.col("s2").is_in(decided)).then(pl.col("per100")).alias("value"),
        pl.lit(30.0).alias("threshold"),
        pl.when(pl.col("s2").is_in(decided)).then(pl.col("per100") - 30).alias("gap"),
        pl.when(pl.col("s2") == "fail").then(30 * pl.col("households") / 100 - pl.col("area")).alias("shortfall"),
    )
    return pl.concat([one, two]).sort("line", "k").drop("k").collect()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: polars_check.py DATA.csv OUT.ndjson", file=sys.stderr)
        return 2
    results = check(argv[0])
    results.write_ndjson(argv[1])
    counts = results.group_by("status").len().sort("status")
    print({row["status"]: row["len"] for row in counts.to_dicts()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
