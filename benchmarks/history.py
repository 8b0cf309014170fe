"""Benchmark ``check --save``: the time and memory of saving a large run in the history store.

``python benchmarks/history.py --rows 1000000`` (or ``make bench-history``) generates the data
if it is missing (``benchmarks/data/``), then, ``--reps`` times, runs one child process per
store that checks the file the way ``lifeservices check -f json -o report.json`` does (the
results spooled beside the report) and then saves the run, timing the two phases apart:
wall and CPU seconds of the check, of the save, and the peak RSS of each (the kernel's
high-water mark is reset between them, ``/proc/self/clear_refs``), and the store's size.

Stores: a fresh SQLite file (always) and each ``--history URL`` given (e.g. a PostgreSQL
database: ``--history postgresql://user@127.0.0.1:5432/bench``; it should be empty).
Results go to ``benchmarks/results/history.json`` and ``history.md``. The target of issue 14:
saving takes at most the time of the check itself, in bounded memory.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from measure import machine  # noqa: E402


def _generate() -> Any:
    spec = importlib.util.spec_from_file_location("bench_generate", HERE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_hwm() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(data: Path, url: str, out: Path) -> dict[str, Any]:
    """Check ``data`` and save it in ``url``; the two phases' figures."""
    from lifeservices_cli import api
    from lifeservices_cli.cli import interrupts
    from lifeservices_cli.history.save import save_run
    from lifeservices_cli.history.store import open_store

    interrupts.started()
    wall, cpu = time.perf_counter(), _cpu()
    report = api.check_files([data], as_of="2024-06-30", spool_folder=out)
    check = {"wall": time.perf_counter() - wall, "cpu": _cpu() - cpu, "peak_mib": _hwm_mib()}
    store = open_store(url)
    _reset_hwm()
    wall, cpu = time.perf_counter(), _cpu()
    run_id = save_run(store, report, period="bench")
    save = {"wall": time.perf_counter() - wall, "cpu": _cpu() - cpu, "peak_mib": _hwm_mib()}
    store.close()
    return {"check": check, "save": save, "run_id": run_id, "results": report.store.total}


def _store_size(url: str) -> int | None:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--history", action="append", default=[], metavar="URL", help="another store (repeatable)")
    parser.add_argument("--child", nargs=3, metavar=("DATA", "URL", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        data, url, out = args.child
        print(json.dumps(child(Path(data), url, Path(out))))
        return 0
    data_dir, results = HERE / "data", HERE / "results"
    results.mkdir(parents=True, exist_ok=True)
    data, _ = _generate().paths("community", args.rows, data_dir)
    if not data.exists():
        _generate().write("community", args.rows, data_dir)
    scratch = results / "out"
    scratch.mkdir(exist_ok=True)
    stores = {"sqlite": None, **{f"url{i + 1}": url for i, url in enumerate(args.history)}}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in stores}
    sizes: dict[str, int | None] = {}
    for rep in range(args.reps):
        for name, url in stores.items():
            if url is None:
                path = scratch / f"history-{rep}.sqlite"
                for old in scratch.glob(path.name + "*"):
                    old.unlink()
                url = f"sqlite:///{path}"
            proc = subprocess.run([sys.executable, __file__, "--child", str(data), url, str(scratch)],
                                  capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return 1
            runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
            sizes[name] = _store_size(url)
            print(f"{name} rep {rep + 1}: {runs[name][-1]}", file=sys.stderr)
    for leftover in scratch.glob(".lifeservices-*"):
        leftover.unlink()
    rows = []
    for name, found in runs.items():
        def median(phase: str, key: str, found: list[dict[str, Any]] = found) -> float:
            return statistics.median(r[phase][key] for r in found)

        rows.append({
            "store": "sqlite (fresh file)" if name == "sqlite" else "postgresql" if "postgres" in stores[name]
            else name,
            "rows": args.rows,
            "results": found[0]["results"],
            "check_s": round(median("check", "wall"), 2),
            "check_cpu_s": round(median("check", "cpu"), 2),
            "check_peak_mib": round(median("check", "peak_mib")),
            "save_s": round(median("save", "wall"), 2),
            "save_cpu_s": round(median("save", "cpu"), 2),
            "save_peak_mib": round(median("save", "peak_mib")),
            "save_over_check": round(median("save", "wall") / median("check", "wall"), 2),
            "store_mib": round(sizes[name] / 2**20) if sizes.get(name) else None,
        })
    info = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "reps": args.reps, "cases": rows}
    (results / "history.json").write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    head = list(rows[0])
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    table += ["| " + " | ".join(str(r[k]) for k in head) + " |" for r in rows]
    (results / "history.md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
