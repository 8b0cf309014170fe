"""The bundled pack's community checks with pandas, the cells validated by a pandera schema.

``python pandas_pandera_check.py DATA.csv OUT.ndjson`` reads a community CSV (UTF-8) as text,
validates it with a pandera ``DataFrameSchema`` (yes/no columns in the allowed marks, number
columns matching a number pattern, lazily, so every failing cell is collected instead of the
first one raising), turns the cells that failed into ``invalid_data`` and the blank ones into
``missing_data``, then computes the two indicators of 二(二)4 — ``new-community-facility-area``
(new communities, area 不低于 500 m²) and ``facility-area-per-100-households`` (urban
communities, area / households × 100 不低于 30; 0 households is invalid) — with numpy, and
writes one JSON line per record × indicator (``line, record_id, record_name, district,
indicator, status, value, threshold, gap, shortfall``) in record order. It prints the status
counts.

It cleans cells the way the polars script does (missing marks, 是/否 and √/× style marks,
full-width digits, ``1,020`` thousands separators, an area unit such as ``600㎡`` in the cell).

What it does not do: no messages, no clause or departments per result, no header matching (the
exact Chinese headers are hard-coded), no other units, no encoding detection (UTF-8 only), no
pack: the rules are in the code. Arithmetic is float, so a value exactly on a threshold can fall
either side, where the tool compares exact rationals.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pandera.pandas as pa

ID, NAME, DISTRICT = "社区编码", "社区名称", "县（市、区）"
IS_NEW, IS_URBAN, HOUSEHOLDS, AREA = "是否新建", "是否城市社区", "户数（户）", "综合服务设施面积（平方米）"

MISSING = ["", "-", "--", "---", "—", "——", "–", "/", "\\", "n/a", "na", "#n/a", "null", "none", "~", "…", "..."]
TRUE = ["是", "有", "true", "yes", "y", "t", "√", "✓", "✔", "1", "对"]
FALSE = ["否", "无", "没有", "false", "no", "n", "f", "×", "✗", "✘", "0", "错"]
FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$"
GROUPED = r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$"
AREA_UNIT = r"\s*(?:㎡|平方米|m²|m2)$"

FLAG = pa.Column(str, pa.Check.isin(TRUE + FALSE), nullable=True)
AMOUNT = pa.Column(str, pa.Check.str_matches(NUMBER), nullable=True)
SCHEMA = pa.DataFrameSchema(
    {
        IS_NEW: FLAG,
        IS_URBAN: pa.Column(str, pa.Check.isin(TRUE + FALSE), nullable=True, required=False),
        HOUSEHOLDS: AMOUNT,
        AREA: AMOUNT,
    },
    strict=False,
)


def clean(column: pd.Series, number: bool, unit: str | None = None) -> pd.Series:
    """Trimmed, lower-cased text; None for blanks and missing marks; number spellings normalised."""
    text = column.str.strip().str.lower()
    text = text.where(~text.isin(MISSING))
    if number:
        text = text.str.translate(FULL_WIDTH)
        if unit:
            text = text.str.replace(unit, "", regex=True)
        grouped = text.str.match(GROUPED).fillna(False).astype(bool)
        text = text.where(~grouped, text.str.replace(",", "", regex=False))
    return text


def invalid_cells(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per checked column, a mask of the cells pandera rejected."""
    masks = {c: np.zeros(len(frame), dtype=bool) for c in (IS_NEW, IS_URBAN, HOUSEHOLDS, AREA)}
    try:
        SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        cases = cases[cases["index"].notna() & cases["column"].isin(list(masks))]
        for column, rows in cases.groupby("column")["index"]:
            masks[column][rows.astype(int).to_numpy()] = True
    return masks


def status(applies_state: np.ndarray, applies: np.ndarray, data_state: np.ndarray, passes: np.ndarray) -> np.ndarray:
    return np.select(
        [applies_state == 2, applies_state == 1, ~applies, data_state == 2, data_state == 1, passes],
        ["invalid_data", "missing_data", "not_applicable", "invalid_data", "missing_data", "pass"],
        "fail",
    )


def check(path: str) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    urban_present = IS_URBAN in raw.columns
    frame = pd.DataFrame(
        {
            IS_NEW: clean(raw[IS_NEW], False),
            HOUSEHOLDS: clean(raw[HOUSEHOLDS], True),
            AREA: clean(raw[AREA], True, AREA_UNIT),
        }
    )
    if urban_present:
        frame[IS_URBAN] = clean(raw[IS_URBAN], False)
    bad = invalid_cells(frame)

    def state(column: str) -> np.ndarray:  # 0 ok, 1 missing, 2 invalid
        return np.where(bad[column], 2, np.where(frame[column].isna().to_numpy(), 1, 0))

    is_new = frame[IS_NEW].isin(TRUE).to_numpy()
    new_state = state(IS_NEW)
    if urban_present:
        is_urban, urban_state = frame[IS_URBAN].isin(TRUE).to_numpy(), state(IS_URBAN)
    else:
        is_urban, urban_state = np.ones(len(frame), dtype=bool), np.zeros(len(frame), dtype=int)
    households = pd.to_numeric(frame[HOUSEHOLDS].where(~bad[HOUSEHOLDS]), errors="coerce").to_numpy(float)
    area = pd.to_numeric(frame[AREA].where(~bad[AREA]), errors="coerce").to_numpy(float)
    h_state = np.where((households < 0) & (state(HOUSEHOLDS) == 0), 2, state(HOUSEHOLDS))
    a_state = np.where((area < 0) & (state(AREA) == 0), 2, state(AREA))
    ratio_state = np.where((a_state == 2) | (h_state == 2) | (households == 0), 2, np.maximum(a_state, h_state))
    with np.errstate(divide="ignore", invalid="ignore"):
        per100 = area / households * 100
    s1 = status(new_state, is_new, a_state, area >= 500)
    s2 = status(urban_state, is_urban, ratio_state, per100 >= 30)

    def results(k: int, indicator: str, st: np.ndarray, value: np.ndarray, threshold: float, need: np.ndarray):
        decided = (st == "pass") | (st == "fail")
        return pd.DataFrame(
            {
                "line": np.arange(2, len(raw) + 2),
                "k": k,
                "record_id": raw[ID],
                "record_name": raw[NAME],
                "district": raw[DISTRICT],
                "indicator": indicator,
                "status": st,
                "value": np.where(decided, value, np.nan),
                "threshold": threshold,
                "gap": np.where(decided, value - threshold, np.nan),
                "shortfall": np.where(st == "fail", need, np.nan),
            }
        )

    out = pd.concat(
        [
            results(0, "new-community-facility-area", s1, area, 500.0, 500 - area),
            results(1, "facility-area-per-100-households", s2, per100, 30.0, 30 * households / 100 - area),
        ]
    )
    return out.sort_values(["line", "k"], kind="stable").drop(columns="k")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: pandas_pandera_check.py DATA.csv OUT.ndjson", file=sys.stderr)
        return 2
    results = check(argv[0])
    results.to_json(argv[1], orient="records", lines=True, force_ascii=False)
    print(results["status"].value_counts().sort_index().to_dict())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
