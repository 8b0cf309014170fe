"""Benchmark ``lifeservices check`` against what a batch user would otherwise write by hand.

``python benchmarks/run.py --rows 1000000`` (or ``make bench``) generates the data if it is
missing (``benchmarks/data/``), installs the peers into their own environment
(``benchmarks/.venv``, from ``benchmarks/requirements.txt``) unless ``--python`` names one, then
runs every case as a separate process, ``--reps`` times, round-robin, and measures each run's
wall time and the peak RSS of that process alone. It prints a table — case, rows, input,
median and min seconds, peak MiB, ratio to the polars script on the same file — checks the
targets of issue 5, and writes ``benchmarks/results/latest.json`` and ``latest.md``.

Cases, on the same ``community-N.csv``:

- ``lifeservices-json`` / ``lifeservices-csv``: the tool with the bundled pack, the report
  written to a file; ``lifeservices-json-gb18030``: the same on the GB18030 copy;
  ``lifeservices-table``: the default terminal table (30 worst results per indicator), to a file;
- ``csv-floor``: ``csv.reader`` alone, on the tool's interpreter;
- ``polars`` and ``pandas-pandera``: the same checks written by hand (``benchmarks/peers/``);
- ``frictionless``: field constraints and ``row_constraint`` formulas, at ``--frictionless-rows``
  (100k) at most, with ``polars`` and ``lifeservices-json`` at that size for the ratio;
- start-up: ``lifeservices-json``, ``csv-floor`` and ``polars`` on a 10-row file,
  ``--startup-reps`` times.

The tool runs from the project's ``.venv`` (``--lifeservices`` to change it); the peers from
their environment. ``--skip-peers`` leaves out polars, pandas and frictionless (nothing to
install). The reports the cases write (``benchmarks/results/out``, gigabytes at 1M rows) are
removed at the end unless ``--keep-outputs``.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import measure  # noqa: E402

import tables  # noqa: E402

PEERS = HERE / "peers"
PEER_CASES = frozenset({"polars", "pandas-pandera", "frictionless"})
ALL_CASES = (
    "lifeservices-json",
    "lifeservices-csv",
    "lifeservices-json-gb18030",
    "lifeservices-table",
    "csv-floor",
    "polars",
    "pandas-pandera",
    "frictionless",
)
STARTUP_ROWS = 10
STATUSES = ("pass", "fail", "not_applicable", "missing_data", "invalid_data")


@dataclass
class Case:
    """One command to time, on one file."""

    name: str
    rows: int
    input: str  # "utf-8" or "gb18030"
    argv: list[str]
    ok_codes: frozenset[int] = frozenset({0})
    reps: int = 3
    group: str = "main"  # main, frictionless, startup
    stats: measure.Stats = field(default_factory=measure.Stats)
    last_stdout: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}@{self.rows}"


@dataclass
class Tools:
    """The interpreters and commands the cases run."""

    lifeservices: Path
    project_python: Path
    peer_python: Path | None


def rel(path: Path) -> str:
    """A path relative to the repository when it is inside it: no machine paths in results."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def shown_arg(arg: str) -> str:
    """A command-line argument as the results show it: paths inside the repository made relative."""
    return rel(Path(arg)) if arg.startswith("/") else arg


# ------------------------------------------------------------------------------------ setup


def ensure_peer_env(venv: Path, requirements: Path) -> Path:
    """Create ``venv`` and install the pinned peers when missing or when the pins changed."""
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    if not python.exists():
        print(f"creating {rel(venv)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    print(f"installing peers from {rel(requirements)} ...", flush=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(requirements)],
        check=True,
    )
    stamp.write_text(wanted + "\n")
    return python


def ensure_data(entity: str, rows: int, data: Path, seed: int) -> tuple[Path, Path]:
    """The UTF-8 and GB18030 files of ``rows`` records, generated when missing."""
    utf8, gb = generate.paths(entity, rows, data)
    if not (utf8.exists() and gb.exists()):
        print(f"generating {rel(utf8)} and its GB18030 copy ...", flush=True)
        generate.write(entity, rows, data, seed)
    return utf8, gb


def versions(tools: Tools) -> dict[str, object]:
    """Python and package versions of the tool's and the peers' environments."""
    probe = (
        "import json, platform, importlib.metadata as m\n"
        "out = {'python': platform.python_version()}\n"
        "for name in NAMES:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    found: dict[str, object] = {}
    for label, python, names in (
        ("tool", tools.project_python, ["lifeservices-cli", "pydantic", "typer", "rich", "pyyaml"]),
        ("peers", tools.peer_python, ["polars", "pandas", "numpy", "pandera", "frictionless"]),
    ):
        if python is None:
            continue
        code = probe.replace("NAMES", repr(names))
        done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
        found[label] = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr.strip()[-200:]}
    return found


# ------------------------------------------------------------------------------------ cases


def build_cases(args: argparse.Namespace, tools: Tools, out: Path) -> list[Case]:
    """Every case of the run, in the order they are run and shown."""
    entity: str = args.entity
    wanted = set(args.only or ALL_CASES)
    if args.skip_peers or tools.peer_python is None:
        wanted -= PEER_CASES
    ls = str(tools.lifeservices)
    py = str(tools.project_python)
    peer = str(tools.peer_python) if tools.peer_python else ""

    def report(name: str, rows: int, ext: str) -> str:
        return str(out / f"{name}-{rows}.{ext}")

    def group(rows: int, names: list[str], reps: int, kind: str) -> list[Case]:
        utf8, gb = ensure_data(entity, rows, args.data, args.seed)
        made: dict[str, Case] = {}
        lifeservices_ok = frozenset({0, 1})  # 1: the checks found failures, as expected
        for name in names:
            if name not in wanted:
                continue
            if name == "lifeservices-json":
                argv = [ls, "check", str(utf8), "--format", "json", "--output", report(name, rows, "json")]
                made[name] = Case(name, rows, "utf-8", argv, lifeservices_ok)
            elif name == "lifeservices-csv":
                argv = [ls, "check", str(utf8), "--format", "csv", "--output", report(name, rows, "csv")]
                made[name] = Case(name, rows, "utf-8", argv, lifeservices_ok)
            elif name == "lifeservices-json-gb18030":
                argv = [ls, "check", str(gb), "--format", "json", "--output", report(name, rows, "json")]
                made[name] = Case(name, rows, "gb18030", argv, lifeservices_ok)
            elif name == "lifeservices-table":
                argv = [ls, "check", str(utf8), "--format", "table", "--output", report(name, rows, "txt")]
                made[name] = Case(name, rows, "utf-8", argv, lifeservices_ok)
            elif name == "csv-floor":
                made[name] = Case(name, rows, "utf-8", [py, str(PEERS / "csv_floor.py"), str(utf8)])
            elif name == "polars":
                argv = [peer, str(PEERS / "polars_check.py"), str(utf8), report(name, rows, "ndjson")]
                made[name] = Case(name, rows, "utf-8", argv)
            elif name == "pandas-pandera":
                argv = [peer, str(PEERS / "pandas_pandera_check.py"), str(utf8), report(name, rows, "ndjson")]
                made[name] = Case(name, rows, "utf-8", argv)
            elif name == "frictionless":
                argv = [peer, str(PEERS / "frictionless_check.py"), str(utf8), report(name, rows, "ndjson")]
                made[name] = Case(name, rows, "utf-8", argv)
        for case in made.values():
            case.reps, case.group = reps, kind
        return list(made.values())

    if entity != "community":
        raise SystemExit("run.py: only --entity community has peer scripts and a bundled-pack check to time")
    cases: list[Case] = []
    main_names = [n for n in ALL_CASES if n != "frictionless" or args.rows <= args.frictionless_rows]
    cases += group(args.rows, main_names, args.reps, "main")
    if "frictionless" in wanted and args.rows > args.frictionless_rows:
        small = ["lifeservices-json", "polars", "frictionless"]
        cases += group(args.frictionless_rows, small, args.reps, "frictionless")
    if not args.no_startup and args.rows != STARTUP_ROWS:
        cases += group(STARTUP_ROWS, ["lifeservices-json", "csv-floor", "polars"], args.startup_reps, "startup")
    return cases


def run_cases(cases: list[Case], scratch: Path) -> None:
    """Run every case ``reps`` times, round-robin, so that slow drift touches all cases alike."""
    env = dict(os.environ)
    env.setdefault("LIFESERVICES_LANG", "zh")
    # An installed tool has its bytecode: let the first, untimed run of each start-up case write
    # it (with PYTHONDONTWRITEBYTECODE set, every run would compile the modules from source again).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for case in cases:
        if case.rows == STARTUP_ROWS:
            measure.run_process(case.argv, cwd=ROOT, env=env, scratch=scratch)
    most = max((c.reps for c in cases), default=0)
    for rep in range(most):
        for case in cases:
            if rep >= case.reps:
                continue
            run = measure.run_process(case.argv, cwd=ROOT, env=env, scratch=scratch)
            if run.returncode not in case.ok_codes:
                tail = (run.stderr or run.stdout).strip().splitlines()[-15:]
                raise SystemExit(f"run.py: {case.key} exited {run.returncode}:\n" + "\n".join(tail))
            case.stats.add(run)
            case.last_stdout = run.stdout
            if case.group != "startup" or rep == 0:
                shown = f"{run.wall:8.3f} s {run.peak_mib:8.1f} MiB"
                print(f"  rep {rep + 1}/{case.reps}  {case.key:<34} {shown}", flush=True)


# ---------------------------------------------------------------------------------- results


def tool_counts(report_path: Path) -> dict[str, int] | None:
    """The status counts from the summary of a JSON report, read without loading its results.

    The summary comes before the results, so the first megabyte holds it whatever the layout.
    """
    try:
        with report_path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(1 << 20)
        start = head.index("{", head.index('"summary"'))
        summary, _ = json.JSONDecoder().raw_decode(head, start)
        return {s: int(summary[s]) for s in STATUSES}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def peer_counts(stdout: str) -> dict[str, int] | None:
    """The status counts a peer script printed (a Python dict literal on its last line)."""
    try:
        found = ast.literal_eval(stdout.strip().splitlines()[-1])
    except (ValueError, SyntaxError, IndexError):
        return None
    return {str(k): int(v) for k, v in found.items()} if isinstance(found, dict) else None


def agreement(cases: list[Case], out: Path) -> list[dict[str, object]]:
    """Whether the hand-written scripts found the same status counts as the tool, per file."""
    found: list[dict[str, object]] = []
    for case in cases:
        if case.name not in ("polars", "pandas-pandera", "frictionless") or case.group == "startup":
            continue
        ours = tool_counts(out / f"lifeservices-json-{case.rows}.json")
        theirs = peer_counts(case.last_stdout)
        entry: dict[str, object] = {"case": case.name, "rows": case.rows, "tool": ours, "peer": theirs}
        if case.name != "frictionless" and ours is not None and theirs is not None:
            entry["same"] = all(ours.get(s, 0) == theirs.get(s, 0) for s in STATUSES)
        found.append(entry)
    return found


def case_rows(cases: list[Case]) -> list[dict[str, object]]:
    """One result per case, with the ratio to polars (and to the csv floor) on the same file."""
    by_key = {c.key: c for c in cases}
    rows: list[dict[str, object]] = []
    for case in cases:
        polars = by_key.get(f"polars@{case.rows}")
        floor = by_key.get(f"csv-floor@{case.rows}")
        rows.append(
            {
                "case": case.name,
                "rows": case.rows,
                "input": case.input,
                "group": case.group,
                "reps": len(case.stats.walls),
                "median_s": round(case.stats.median, 4),
                "min_s": round(case.stats.minimum, 4),
                "cpu_s": round(case.stats.median_cpu, 4),
                "walls_s": [round(w, 4) for w in case.stats.walls],
                "peak_mib": round(case.stats.peak, 1),
                "vs_polars": round(case.stats.median / polars.stats.median, 2) if polars else None,
                "vs_floor": round(case.stats.median / floor.stats.median, 2) if floor else None,
            }
        )
    return rows


def targets(cases: list[Case], main_rows: int) -> list[dict[str, object]]:
    """The targets of issue 5 that this run measured (they are stated for 1M rows on 2 cores)."""
    by_key = {c.key: c for c in cases}
    found: list[dict[str, object]] = []

    def add(name: str, measured: float, limit: float, unit: str) -> None:
        found.append({"target": name, "measured": round(measured, 3), "limit": limit, "unit": unit,
                      "met": measured <= limit})

    ls = by_key.get(f"lifeservices-json@{main_rows}")
    polars = by_key.get(f"polars@{main_rows}")
    gb = by_key.get(f"lifeservices-json-gb18030@{main_rows}")
    startup = by_key.get(f"lifeservices-json@{STARTUP_ROWS}")
    if ls and polars:
        add(f"wall time, {main_rows:,} rows, JSON report, vs polars script", ls.stats.median / polars.stats.median,
            1.0, "×")
    if ls:
        add(f"peak memory, {main_rows:,} rows, JSON report", ls.stats.peak, 256, "MiB")
    if startup:
        add(f"{STARTUP_ROWS}-row check, wall time", startup.stats.median, 0.25, "s")
    if ls and gb:
        add(f"GB18030 vs UTF-8 input, {main_rows:,} rows", gb.stats.median / ls.stats.median, 1.2, "×")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="records in the main file (default 1,000,000)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each case (median and min are shown)")
    parser.add_argument("--entity", default="community", choices=["community"])
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--skip-peers", action="store_true", help="leave out polars, pandas+pandera, frictionless")
    parser.add_argument("--only", nargs="+", choices=ALL_CASES, metavar="NAME", help=f"only: {', '.join(ALL_CASES)}")
    parser.add_argument("--python", type=Path, help="Python with the peers installed (default: benchmarks/.venv)")
    parser.add_argument("--lifeservices", type=Path, default=ROOT / ".venv" / "bin" / "lifeservices")
    parser.add_argument("--frictionless-rows", type=int, default=100_000, help="rows for frictionless (it is slow)")
    parser.add_argument("--startup-reps", type=int, default=20, help="repetitions of the 10-row start-up cases")
    parser.add_argument("--no-startup", action="store_true", help="leave out the 10-row start-up cases")
    parser.add_argument("--keep-outputs", action="store_true", help="keep the reports the cases wrote (results/out)")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.reps < 1 or args.startup_reps < 1:
        parser.error("--rows, --reps and --startup-reps must be at least 1")
    args.frictionless_rows = min(args.frictionless_rows, args.rows)

    lifeservices = args.lifeservices if args.lifeservices.is_absolute() else ROOT / args.lifeservices
    if not lifeservices.exists():
        found = shutil.which("lifeservices")
        if found is None:
            parser.error(f"{rel(lifeservices)} not found: run 'make install' first, or give --lifeservices")
        lifeservices = Path(found)
    project_python = lifeservices.parent / "python"
    peers_needed = not args.skip_peers and bool(set(args.only or ALL_CASES) & PEER_CASES)
    peer_python: Path | None = None
    if peers_needed:
        peer_python = args.python or ensure_peer_env(HERE / ".venv", HERE / "requirements.txt")
    tools = Tools(lifeservices, project_python if project_python.exists() else Path(sys.executable), peer_python)

    out = args.results / "out"
    out.mkdir(parents=True, exist_ok=True)
    cases = build_cases(args, tools, out)
    started = dt.datetime.now(dt.UTC)
    load_before = measure.load()
    print(f"running {len(cases)} cases ...", flush=True)
    run_cases(cases, args.results / "tmp")

    results = {
        "date": started.strftime("%Y-%m-%d"),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1),
        "command": " ".join(["python benchmarks/run.py", *(shown_arg(a) for a in (argv or sys.argv[1:]))]),
        "machine": measure.machine(),
        "load": {"before": load_before, "after": measure.load()},
        "versions": versions(tools),
        "entity": args.entity,
        "seed": args.seed,
        "rows": args.rows,
        "reps": args.reps,
        "cases": case_rows(cases),
        "targets": targets(cases, args.rows),
        "agreement": agreement(cases, out),
    }
    if not args.keep_outputs:  # at 1M rows they take gigabytes
        shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(args.results / "tmp", ignore_errors=True)
    (args.results / "latest.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", "utf-8")
    markdown = tables.markdown(results)
    (args.results / "latest.md").write_text(markdown, encoding="utf-8")
    print()
    print(tables.text(results))
    print(f"written: {rel(args.results / 'latest.json')}, {rel(args.results / 'latest.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
