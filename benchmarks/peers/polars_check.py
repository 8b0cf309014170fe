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
    return pl.when(text.is_null() | text.is_in(MISSING)).then(None).otherwise(text)


def flag(name: str, present: bool) -> tuple[pl.Expr, pl.Expr]:
    """(value, state) of a yes/no column; state is ok, missing or invalid. Absent column: yes."""
    if not present:
        return pl.lit(True), pl.lit("ok")
    text = cell(name)
    value = pl.when(text.is_in(TRUE)).then(True).when(text.is_in(FALSE)).then(False).otherwise(None)
    state = pl.when(text.is_null()).then(pl.lit("missing")).when(value.is_null()).then(pl.lit("invalid"))
    return value, state.otherwise(pl.lit("ok"))


def number(name: str, unit: str | None = None) -> tuple[pl.Expr, pl.Expr]:
    """(value, state) of a number column, with lenient casts; negative numbers are invalid."""
    text = cell(name).str.replace_many(FULL_WIDTH, HALF_WIDTH)
    if unit:
        text = text.str.replace(unit, "")
    text = pl.when(text.str.contains(GROUPED)).then(text.str.replace_all(",", "")).otherwise(text)
    value = pl.when(text.str.contains(NUMBER)).then(text.cast(pl.Float64, strict=False)).otherwise(None)
    value = pl.when(value >= 0).then(value).otherwise(None)
    state = pl.when(cell(name).is_null()).then(pl.lit("missing")).when(value.is_null()).then(pl.lit("invalid"))
    return value, state.otherwise(pl.lit("ok"))


def check(path: str) -> pl.DataFrame:
    data = pl.scan_csv(path, infer_schema=False)  # every column as text: no cast can fail here
    columns = data.collect_schema().names()
    is_new, new_state = flag(IS_NEW, True)
    is_urban, urban_state = flag(IS_URBAN, IS_URBAN in columns)
    households, h_state = number(HOUSEHOLDS)
    area, a_state = number(AREA, AREA_UNIT)
    base = data.with_row_index("row").select(
        (pl.col("row") + 2).alias("line"),
        pl.col(ID).alias("record_id"),
        pl.col(NAME).alias("record_name"),
        pl.col(DISTRICT).alias("district"),
        is_new.alias("is_new"),
        new_state.alias("new_state"),
        is_urban.alias("is_urban"),
        urban_state.alias("urban_state"),
        households.alias("households"),
        h_state.alias("h_state"),
        area.alias("area"),
        a_state.alias("a_state"),
    )
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
