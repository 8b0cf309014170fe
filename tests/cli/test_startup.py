"""Start-up: what a run imports, and the garbage collector around the start-up.

Speed figures belong to ``benchmarks/``; these tests only hold the things that make a small
run start fast: modules a run does not need are not imported, and the collector is off while
the command line and packs load, back on for the data. Each runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "communities.csv"

#: Never needed unless asked for: big inputs (polars), xlsx (xlsxwriter, openpyxl), a table (rich), the history store.
HEAVY = ("polars", "openpyxl", "xlsxwriter", "rich", "sqlalchemy", "psycopg")


def _python(code: str, cwd: Path) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object on its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _loaded_after_run(args: list[str], cwd: Path) -> dict:
    """Run ``lifeservices ARGS`` as the console script does; report what was imported and the exit code."""
    code = f"""
import json, sys
sys.argv = ["lifeservices", *{args!r}]
from lifeservices_cli.__main__ import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code
print()
print(json.dumps({{"modules": sorted(sys.modules), "code": code}}))
"""
    return _python(code, cwd)


def _tops(modules: list[str]) -> set[str]:
    return {name.partition(".")[0] for name in modules}


def test_importing_the_command_line_imports_no_heavy_library(tmp_path):
    code = "import json, sys\nimport lifeservices_cli.cli.app\nprint(json.dumps(sorted(sys.modules)))"
    found = _python(code, tmp_path)
    assert not _tops(found) & set(HEAVY)
    # the pipeline (pydantic models, engine, renderers) waits for a command that needs it
    assert not {"lifeservices_cli.api", "lifeservices_cli.packs.models", "lifeservices_cli.engine.records"} & set(found)


def test_a_json_check_imports_no_table_and_no_spreadsheet_library(tmp_path):
    out = tmp_path / "report.json"
    run = _loaded_after_run(["check", str(EXAMPLE), "--format", "json", "--output", str(out)], tmp_path)
    assert run["code"] in (0, 1)
    assert json.loads(out.read_text(encoding="utf-8"))["results"]
    assert not _tops(run["modules"]) & set(HEAVY)
    unused = {f"lifeservices_cli.render.{name}" for name in ("table", "html", "xlsx", "markdown")}
    assert not unused & set(run["modules"])


def test_help_loads_no_pack(tmp_path):
    run = _loaded_after_run(["--help"], tmp_path)
    assert run["code"] == 0
    pipeline = {"lifeservices_cli.api", "lifeservices_cli.packs.loader", "lifeservices_cli.packs.models"}
    assert not pipeline & set(run["modules"])
    assert not _tops(run["modules"]) & set(HEAVY)


def test_collection_is_off_during_start_up_and_on_for_the_data(tmp_path):
    code = f"""
import gc, json, sys
seen = {{}}
from lifeservices_cli import pipeline as checker
real = checker.check_files
def spy(*args, **kwargs):
    seen["enabled while checking"] = gc.isenabled()
    seen["frozen while checking"] = gc.get_freeze_count()
    return real(*args, **kwargs)
checker.check_files = spy
sys.argv = ["lifeservices", "check", {str(EXAMPLE)!r}, "--format", "json", "--output", "out.json"]
from lifeservices_cli.__main__ import main
try:
    main()
except SystemExit:
    pass
print()
print(json.dumps(seen))
"""
    seen = _python(code, tmp_path)
    assert seen["enabled while checking"] is True
    assert seen["frozen while checking"] > 0  # what the start-up built is out of the collector's way


def test_started_leaves_a_program_that_never_turned_collection_off_alone(tmp_path):
    code = """
import gc, json
from lifeservices_cli.cli import interrupts
before = gc.get_freeze_count()
interrupts.started()
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count() - before}))
"""
    assert _python(code, tmp_path) == {"enabled": True, "frozen": 0}
