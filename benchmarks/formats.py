"""Every output format of ``lifeservices check`` on one community file, against two peers (issue 15).

``python benchmarks/formats.py --rows 200000`` generates ``benchmarks/data/community-N.csv`` if
missing, then runs, each as its own process and ``--reps`` times round-robin: the tool with
``--format FMT -o FILE`` for every format, the polars NDJSON peer (``peers/polars_check.py``: the
same result fields, no messages) and the lean polars script (``peers/lean_polars.py``: one CSV
row per record, two statuses and gaps). It prints wall seconds (median), CPU seconds, peak RSS
and the ratios the issue's targets are stated in, and writes ``results/formats-N.md``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import measure  # noqa: E402

FORMATS = ["json", "ndjson", "parquet", "csv", "junit", "sarif", "github", "table", "markdown", "html", "xlsx"]
EXT = {"junit": "xml", "table": "txt", "github": "txt", "markdown": "md"}
#: The issue's targets: (compared with, at most this ratio).
TARGETS = {
    "json": ("ndjson-peer", 1.5),
    "ndjson": ("ndjson-peer", 1.5),
    "parquet": ("lean-script", 1.5),
    "csv": ("json", 1.2),
    "junit": ("json", 1.5),
    "sarif": ("json", 1.5),
    "table": ("json", 1.0),
    "markdown": ("json", 1.0),
    "html": ("json", 1.0),
    "xlsx": ("json", 4.0),
}
PEAK_TARGET = 256.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--only", nargs="+", default=None, help="only these formats (and the peers)")
    parser.add_argument("--lifeservices", type=Path, default=ROOT / ".venv" / "bin" / "lifeservices")
    parser.add_argument("--python", type=Path, default=Path(sys.executable), help="Python with polars, for the peers")
    parser.add_argument("--data", type=Path, default=HERE / "data", help="where the generated input is kept")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the table is written")
    args = parser.parse_args(argv)
    data_dir = args.data
    source = generate.paths("community", args.rows, data_dir)[0]
    if not source.exists():
        generate.write("community", args.rows, data_dir)
    out = args.results / "out-formats"
    out.mkdir(parents=True, exist_ok=True)
    files = {"ndjson-peer": out / "peer.ndjson", "lean-script": out / "lean.csv"}
    py, peers = str(args.python), HERE / "peers"
    cases: dict[str, list[str]] = {
        "ndjson-peer": [py, str(peers / "polars_check.py"), str(source), str(files["ndjson-peer"])],
        "lean-script": [py, str(peers / "lean_polars.py"), str(source), str(files["lean-script"])],
    }
    for fmt in args.only or FORMATS:
        target = files[fmt] = out / f"report.{EXT.get(fmt, fmt)}"
        cases[fmt] = [str(args.lifeservices), "check", str(source), "-f", fmt, "-o", str(target), "--fail-on", "never"]
    runs: dict[str, list[measure.Run]] = {name: [] for name in cases}
    for _ in range(args.reps):
        for name, argv_ in cases.items():
            run = measure.run_process(argv_, ROOT, scratch=out / "logs" / name)
            if run.returncode != 0:
                print(f"{name}: exit {run.returncode}\n{run.stderr[-2000:]}", file=sys.stderr)
            runs[name].append(run)
    wall = {name: statistics.median(r.wall for r in rs) for name, rs in runs.items()}
    lines = [
        f"`benchmarks/formats.py --rows {args.rows} --reps {args.reps}` on {measure.machine().get('cpu', '?')}, "
        f"{measure.machine().get('nproc', '?')} cores (shared with other work: wall times vary; CPU seconds less so)",
        "",
        "| case | wall s | CPU s | peak MiB | output MB | vs | ratio | target | met | exit |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rs in runs.items():
        cpu = statistics.median(r.cpu for r in rs)
        peak = max(r.peak_mib for r in rs)
        size = files[name].stat().st_size / 1e6 if files[name].exists() else 0
        base, limit = TARGETS.get(name, ("", 0))
        ratio = wall[name] / wall[base] if base in wall else None
        met = "" if ratio is None else ("yes" if ratio <= limit and peak <= PEAK_TARGET else "no")
        shown = f"{ratio:.2f}×" if ratio is not None else ""
        lines.append(
            f"| {name} | {wall[name]:.1f} | {cpu:.1f} | {peak:.0f} | {size:.0f} | {base} | {shown} | "
            f"{f'≤ {limit}×, ≤ {PEAK_TARGET:.0f} MiB' if base else ''} | {met} | {max(r.returncode for r in rs)} |"
        )
    if "json" in wall and "lean-script" in wall:
        lines += ["", f"json / lean script: {wall['json'] / wall['lean-script']:.1f}×"]
    text = "\n".join(lines) + "\n"
    print(text)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"formats-{args.rows}.md").write_text(text, encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    return 1 if any(r.returncode != 0 for rs in runs.values() for r in rs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
