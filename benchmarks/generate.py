"""Deterministic synthetic planning data for the benchmarks.

``python benchmarks/generate.py --entity community --rows N --seed S --out DIR`` writes
``DIR/community-N.csv`` (UTF-8) and ``DIR/community-N-gb18030.csv`` (the same text in GB18030,
what Excel/WPS write on Chinese Windows), with the Chinese headers the README lists.

The values look like a Baicheng export: the five districts (洮北区 洮南市 大安市 镇赉县 通榆县)
with their streets and towns, plausible households and areas, ``是/否`` flags. Like a real
spreadsheet, about 1% of the cells are blank (mostly empty, sometimes a missing mark such as
``—`` or ``/``), about 0.05% are unreadable (``12a``, ``1,2``, ``约500``, ``#VALUE!``), and
some numbers are written with full-width digits, thousands separators or a unit of their own
(``600㎡``). The same seed gives byte-identical files (the generator uses only
``random.Random(seed)``, never the clock or hash order).
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Callable, Iterator
from pathlib import Path

ENTITIES = ("community", "compound", "facility")
DEFAULT_SEED = 2022

HEADERS: dict[str, list[str]] = {
    "community": [
        "社区编码",
        "社区名称",
        "县（市、区）",
        "街道（乡镇）",
        "是否新建",
        "是否城市社区",
        "户数（户）",
        "综合服务设施面积（平方米）",
    ],
    "compound": ["小区编码", "小区名称", "县（市、区）", "是否新建", "养老服务设施", "托育服务设施"],
    "facility": ["项目编号", "设施名称", "县（市、区）", "建筑面积（平方米）", "总投资（万元）"],
}

#: Columns (by index) whose cells the checks read as yes/no or numbers: only these get junk.
CHECKED_COLUMNS: dict[str, frozenset[int]] = {
    "community": frozenset({4, 5, 6, 7}),
    "compound": frozenset({3, 4, 5}),
    "facility": frozenset({3, 4}),
}
FLAG_COLUMNS: dict[str, frozenset[int]] = {
    "community": frozenset({4, 5}),
    "compound": frozenset({3, 4, 5}),
    "facility": frozenset(),
}

BLANK_RATE = 0.01  # of all cells
JUNK_RATE_CHECKED = 0.001  # of checked cells: about 0.05% of all cells for community

# District, code prefix, weight (洮北区 is the city proper), streets and towns.
DISTRICTS: list[tuple[str, str, int, tuple[str, ...]]] = [
    (
        "洮北区",
        "TB",
        35,
        ("明仁街道", "新华街道", "海明街道", "长庆街道", "瑞光街道", "铁东街道", "富文街道", "保胜街道"),
    ),
    ("洮南市", "TN", 20, ("团结街道", "光明街道", "府安街道", "兴隆街道", "通达街道", "永康街道")),
    ("大安市", "DA", 18, ("慧阳街道", "临江街道", "锦华街道", "长虹街道", "安广镇", "月亮泡镇")),
    ("镇赉县", "ZL", 14, ("镇赉镇", "坦途镇", "东屏镇", "黑鱼泡镇", "大屯镇")),
    ("通榆县", "TY", 13, ("开通镇", "瞻榆镇", "双岗镇", "兴隆山镇", "边昭镇")),
]
_WEIGHTS = [d[2] for d in DISTRICTS]
_NAME_CHARS = (
    "日升新华海明长庆瑞光团结光明府安慧阳临江开通锦华兴隆永康"
    "安泰和平幸福康宁福民丰盛嘉禾青山绿水阳光星河翠苑金桥"
)
_FACILITY_KINDS = ("社区综合服务站", "养老服务中心", "托育园", "便民服务点", "文化活动室", "卫生服务站", "日间照料中心")

MISSING_MARKS = ("—", "/", "-", "N/A")
JUNK_NUMBERS = ("12a", "1,2", "约500", "#VALUE!", "？", "500-600", "待核实", "1.2.3")
JUNK_FLAGS = ("待定", "未知", "是否", "?")
_FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _name(rng: random.Random) -> str:
    return rng.choice(_NAME_CHARS) + rng.choice(_NAME_CHARS)


def _yes_no(rng: random.Random, yes: bool) -> str:
    if rng.random() < 0.02:  # another way of writing yes/no
        return "√" if yes else "×"
    return "是" if yes else "否"


def _number(rng: random.Random, value: float, decimals: int, units: tuple[str, ...] = ()) -> str:
    """Write a number the ways a spreadsheet export does: mostly plain, sometimes decorated."""
    text = f"{value:.{decimals}f}" if decimals else str(int(value))
    r = rng.random()
    if r < 0.005:
        return text.translate(_FULL_WIDTH)
    if r < 0.010 and units:
        return text + rng.choice(units)
    if r < 0.013 and value >= 1000:
        whole, _, frac = text.partition(".")
        return f"{int(whole):,}" + (f".{frac}" if frac else "")
    return text


def _community(rng: random.Random, index: int) -> list[str]:
    district, prefix, _, streets = rng.choices(DISTRICTS, _WEIGHTS)[0]
    is_new = rng.random() < 0.2
    is_urban = rng.random() < 0.75
    households = rng.randint(800, 4200) if is_urban else rng.randint(150, 1200)
    if rng.random() < 0.001:
        households = 0  # a community still being set up: division by zero
    if is_new:
        area = rng.uniform(380, 1500)
    else:
        area = households * rng.uniform(0.15, 0.6)
    return [
        f"{prefix}-{index + 1:07d}",
        _name(rng) + "社区",
        district,
        rng.choice(streets),
        _yes_no(rng, is_new),
        _yes_no(rng, is_urban),
        _number(rng, households, 0),
        _number(rng, area, rng.choice((0, 1, 1, 2)), ("㎡", "平方米", "m²")),
    ]


def _compound(rng: random.Random, index: int) -> list[str]:
    district, prefix, _, _ = rng.choices(DISTRICTS, _WEIGHTS)[0]
    return [
        f"{prefix}-XQ{index + 1:07d}",
        _name(rng) + rng.choice(("小区", "家园", "花园", "苑")),
        district,
        _yes_no(rng, rng.random() < 0.3),
        _yes_no(rng, rng.random() < 0.9),
        _yes_no(rng, rng.random() < 0.85),
    ]


def _facility(rng: random.Random, index: int) -> list[str]:
    district, prefix, _, _ = rng.choices(DISTRICTS, _WEIGHTS)[0]
    floor_area = rng.uniform(80, 1600)
    investment = floor_area * rng.uniform(0.05, 0.35)  # 万元
    return [
        f"{prefix}-SS{index + 1:07d}",
        _name(rng) + rng.choice(_FACILITY_KINDS),
        district,
        _number(rng, floor_area, 1, ("㎡", "平方米")),
        _number(rng, investment, 2, ("万元",)),
    ]


_ROW: dict[str, Callable[[random.Random, int], list[str]]] = {
    "community": _community,
    "compound": _compound,
    "facility": _facility,
}


def rows(entity: str, n: int, seed: int = DEFAULT_SEED) -> Iterator[list[str]]:
    """The header, then ``n`` records of ``entity``, blanks and junk included."""
    if entity not in _ROW:
        raise ValueError(f"unknown entity {entity!r}; use one of {', '.join(ENTITIES)}")
    rng = random.Random(seed)
    make = _ROW[entity]
    checked, flags = CHECKED_COLUMNS[entity], FLAG_COLUMNS[entity]
    yield list(HEADERS[entity])
    for i in range(n):
        row = make(rng, i)
        for c in range(len(row)):
            r = rng.random()
            if r < BLANK_RATE:
                row[c] = "" if rng.random() < 0.8 else rng.choice(MISSING_MARKS)
            elif c in checked and r < BLANK_RATE + JUNK_RATE_CHECKED:
                row[c] = rng.choice(JUNK_FLAGS if c in flags else JUNK_NUMBERS)
        yield row


def paths(entity: str, n: int, out: Path) -> tuple[Path, Path]:
    """Where ``write`` puts the UTF-8 and the GB18030 file."""
    return out / f"{entity}-{n}.csv", out / f"{entity}-{n}-gb18030.csv"


def write(entity: str, n: int, out: Path, seed: int = DEFAULT_SEED) -> tuple[Path, Path]:
    """Write both files (CRLF line ends, as Excel does) and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    utf8_path, gb_path = paths(entity, n, out)
    tmp_utf8, tmp_gb = utf8_path.with_suffix(".csv.tmp"), gb_path.with_suffix(".csv.tmp")
    with (
        tmp_utf8.open("w", encoding="utf-8", newline="") as f8,
        tmp_gb.open("w", encoding="gb18030", newline="") as fgb,
    ):
        w8, wgb = csv.writer(f8), csv.writer(fgb)
        for row in rows(entity, n, seed):
            w8.writerow(row)
            wgb.writerow(row)
    tmp_utf8.replace(utf8_path)
    tmp_gb.replace(gb_path)
    return utf8_path, gb_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entity", choices=ENTITIES, default="community")
    parser.add_argument("--rows", type=int, required=True, help="number of records")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be 0 or more")
    for path in write(args.entity, args.rows, args.out, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
