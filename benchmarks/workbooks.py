"""Reading statistical tables: what layout detection costs the large-CSV path, and how fast a
100k-row workbook is read by python-calamine (the tool's reader) and by openpyxl.

``python benchmarks/workbooks.py --before PATH/TO/OLD/lifeservices`` runs, round-robin, ``--reps``
times each, every case as its own process (wall and CPU seconds, peak RSS of that process):

- ``csv-before`` / ``csv-now``: ``lifeservices check community-N.csv -f json -o …`` (``--rows``,
  default 1M; the columnar path) with the tool before layout detection and now;
- ``read-openpyxl``: openpyxl ``read_only`` + ``iter_rows(values_only=True)`` over a 100k-row
  sheet (``--xlsx-rows``), every cell turned to text — what the reader did before;
- ``read-calamine``: python-calamine ``to_python`` alone;
- ``read-tool``: the tool's reader (calamine, the sheet's XML for what calamine drops, layout);
- ``xlsx-before`` / ``xlsx-now``: ``lifeservices check`` of that workbook, JSON report to a file.

It prints a Markdown table and writes ``benchmarks/results/workbooks.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402 - benchmarks/ modules, not the package
import measure  # noqa: E402

READ_OPENPYXL = """
import sys
from openpyxl import load_workbook
from lifeservices_cli.sources.workbook import cell_text
wb = load_workbook(sys.argv[1], read_only=True, data_only=True)
n = 0
for row in wb.worksheets[0].iter_rows(values_only=True):
    n += len([cell_text(v) for v in row])
print(n)
"""
READ_CALAMINE = """
import sys
from python_calamine import CalamineWorkbook
from lifeservices_cli.sources.workbook import cell_text
sheet = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)
n = 0
for row in sheet.to_python(skip_empty_area=False):
    n += len([cell_text(v) for v in row])
print(n)
"""
READ_TOOL = """
import sys
from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.sources import open_bindings
n = 0
for binding in open_bindings(sys.argv[1], load_packs()):
    for _ in binding.table.rows:
        n += 1
print(n)
"""


def make_xlsx(rows: int, out: Path, table: bool) -> Path:
    """``rows`` community records: a plain sheet (header on row 1, units in brackets), or a 统计表
    (title, 填报 row, header with 序号, units row)."""
    path = out / f"community-{rows}{'-table' if table else ''}.xlsx"
    if path.exists():
        return path
    import xlsxwriter  # writes 100k rows in seconds (openpyxl takes far longer)

    book = xlsxwriter.Workbook(str(path.with_suffix(".tmp.xlsx")), {"constant_memory": True})
    sheet = book.add_worksheet("社区")
    row = 0
    if table:
        sheet.write_row(0, 0, ["白城市城市社区综合服务设施统计表"])
        sheet.write_row(1, 0, ["填报单位：白城市民政局", "", "", "", "填报日期：2022年12月1日"])
        sheet.write_row(2, 0, ["序号", "社区编码", "社区名称", "县（市、区）", "是否新建", "户数", "综合服务设施面积"])
        sheet.write_row(3, 0, ["", "", "", "", "", "户", "平方米"])
        row = 4
    else:
        sheet.write_row(
            0, 0, ["社区编码", "社区名称", "县（市、区）", "是否新建", "户数（户）", "综合服务设施面积（㎡）"]
        )
        row = 1
    for i in range(rows):
        cells = [i + 1] if table else []
        cells += [f"C{i:07d}", f"社区{i}", "洮北区", "是" if i % 3 else "否", 1000 + i % 2000, 300 + i % 700]
        sheet.write_row(row + i, 0, cells)
    book.close()
    path.with_suffix(".tmp.xlsx").replace(path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="lifeservices of the version to compare with")
    parser.add_argument("--now", type=Path, default=ROOT / ".venv" / "bin" / "lifeservices")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args()
    csv_path, _ = generate.paths("community", args.rows, args.data)
    if not csv_path.exists():
        generate.write("community", args.rows, args.data)
    xlsx = make_xlsx(args.xlsx_rows, args.data, table=False)
    table = make_xlsx(args.xlsx_rows, args.data, table=True)
    python = str(args.now.parent / "python")
    out = args.results / "out"
    out.mkdir(parents=True, exist_ok=True)
    cases = {
        "csv-before": [
            str(args.before),
            "check",
            str(csv_path),
            "-f",
            "json",
            "-o",
            str(out / "b.json"),
            "--fail-on",
            "never",
        ],
        "csv-now": [
            str(args.now),
            "check",
            str(csv_path),
            "-f",
            "json",
            "-o",
            str(out / "n.json"),
            "--fail-on",
            "never",
        ],
        "read-openpyxl": [python, "-c", READ_OPENPYXL, str(xlsx)],
        "read-calamine": [python, "-c", READ_CALAMINE, str(xlsx)],
        "read-tool": [python, "-c", READ_TOOL, str(xlsx)],
        "read-tool-table": [python, "-c", READ_TOOL, str(table)],
        "xlsx-before": [
            str(args.before),
            "check",
            str(xlsx),
            "-f",
            "json",
            "-o",
            str(out / "xb.json"),
            "--fail-on",
            "never",
            "--entity",  # the reader before took this header for a person's as well
            "community",
        ],
        "xlsx-now": [str(args.now), "check", str(xlsx), "-f", "json", "-o", str(out / "xn.json"), "--fail-on", "never"],
        "xlsx-now-table": [
            str(args.now),
            "check",
            str(table),
            "-f",
            "json",
            "-o",
            str(out / "xt.json"),
            "--fail-on",
            "never",
        ],
    }
    stats: dict[str, list[measure.Run]] = {name: [] for name in cases}
    for _ in range(args.reps):
        for name, argv in cases.items():
            run = measure.run_process(argv, ROOT, scratch=out / name)
            stats[name].append(run)
            print(
                f"{name}: {run.wall:.2f} s, cpu {run.cpu:.2f} s, {run.peak_mib:.0f} MiB, exit {run.returncode}",
                file=sys.stderr,
            )
    machine = measure.machine()
    lines = [
        f"Machine: {machine.get('cpu')} ({machine.get('nproc')} cores, {machine.get('memory_gib')} GiB), "
        f"Python {sys.version.split()[0]}; "
        f"{args.reps} runs each, round-robin; CSV {args.rows:,} rows, workbook {args.xlsx_rows:,} rows.",
        "",
        "| case | median s | min s | median cpu s | peak MiB | exit |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in stats.items():
        walls = [r.wall for r in runs]
        cpus = [r.cpu for r in runs]
        lines.append(
            f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f} | {statistics.median(cpus):.2f} | "
            f"{max(r.peak_mib for r in runs):.0f} | {','.join(sorted({str(r.returncode) for r in runs}))} |"
        )
    text = "\n".join(lines) + "\n"
    (args.results / "workbooks.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
