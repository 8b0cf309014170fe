"""CI integrations: the pre-commit hooks, the composite GitHub Action and shell completion.

Each is checked as its own tool would read it (pre-commit's manifest validator, the Action's
YAML and bash) and then run for real against the examples, with ``lifeservices`` on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the environment's scripts: lifeservices, pre-commit
LIFESERVICES = shutil.which("lifeservices", path=str(BIN)) or shutil.which("lifeservices")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def environ(**extra: str) -> dict[str, str]:
    """This environment with ``lifeservices`` first on PATH and the GitHub variables cleared."""
    assert LIFESERVICES, "the lifeservices console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LIFESERVICES_"))}
    env["PATH"] = os.pathsep.join([str(Path(LIFESERVICES).parent), env.get("PATH", "")])
    env.update(extra)
    return env


def data_repo(tmp_path: Path) -> Path:
    """A repository of submitted plans: the examples under data/, a pack under packs/."""
    repo = tmp_path / "repo"
    (repo / "data").mkdir(parents=True)
    for name in ("communities.csv", "compounds.yaml", "facilities.csv", "districts.csv"):
        shutil.copy(ROOT / "examples" / name, repo / "data" / name)
    (repo / "packs").mkdir()
    shutil.copy(ROOT / "indicators" / "baicheng-2022-323.yaml", repo / "packs" / "city.yaml")
    shutil.copy(ROOT / "indicators" / "baicheng-2022-323.txt", repo / "packs" / "baicheng-2022-323.txt")
    return repo


# --------------------------------------------------------------------------- pre-commit


HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}


def test_hooks_manifest_passes_pre_commits_own_validator(tmp_path):
    manifest = ROOT / ".pre-commit-hooks.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(manifest)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    broken = tmp_path / ".pre-commit-hooks.yaml"  # the validator does reject a bad manifest
    broken.write_text("- id: x\n  entry: lifeservices check\n  language: no-such-language\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(broken)], capture_output=True)
    assert proc.returncode == 1


def test_hooks_are_the_two_commands():
    assert set(HOOKS) == {"lifeservices-check", "lifeservices-lint"}
    check, lint = HOOKS["lifeservices-check"], HOOKS["lifeservices-lint"]
    assert (check["entry"], check["language"], check["pass_filenames"]) == ("lifeservices check", "python", True)
    assert check["require_serial"] is True  # a district's rate counts its records in every file
    assert (lint["entry"], lint["language"], lint["pass_filenames"]) == ("lifeservices lint", "python", True)


def selected(hook: dict, path: str) -> bool:
    """Whether pre-commit would pass ``path`` to ``hook`` (``re.search`` on ``files`` and ``exclude``)."""
    return bool(re.search(hook.get("files", ""), path)) and not re.search(hook.get("exclude", "^$"), path)


@pytest.mark.parametrize(
    ("path", "check", "lint"),
    [
        ("data/2024/communities.csv", True, False),
        ("社区.xlsx", True, False),
        ("data/compounds.yaml", True, False),
        ("data/districts.yml", True, False),
        ("persons.json", True, False),
        ("data/facilities.tsv", True, False),
        ("indicators/baicheng-2022-323.yaml", False, True),
        ("packs/province.yml", False, True),
        ("packs/province.tests.yaml", False, True),
        ("config/packs/city.yaml", False, True),
        (".pre-commit-config.yaml", False, False),
        (".github/workflows/check.yml", False, False),
        ("README.md", False, False),
        ("notes.docx", False, False),
        ("data/communities.csv.bak", False, False),
    ],
)
def test_hooks_select_data_and_pack_files(path, check, lint):
    assert (selected(HOOKS["lifeservices-check"], path), selected(HOOKS["lifeservices-lint"], path)) == (check, lint)


def run_hook(hook: dict, repo: Path) -> subprocess.CompletedProcess[str]:
    """Run ``hook`` the way pre-commit does: entry, args, then the selected files of the repository."""
    files = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    chosen = [f for f in files if selected(hook, f)]
    assert chosen
    command = [*shlex.split(hook["entry"]), *hook.get("args", []), *chosen]
    env = environ(LIFESERVICES_LANG="en", COLUMNS="200")
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)


def test_check_hook_runs_on_the_data_files(tmp_path):
    proc = run_hook(HOOKS["lifeservices-check"], data_repo(tmp_path))
    assert proc.returncode == 1, proc.stderr  # the examples have failing records
    assert "TB-003 海明社区  communities.csv:4" in proc.stdout
    assert "Summary: 34 records" in proc.stdout  # 12 communities, 8 compounds, 8 facilities, 6 districts


def test_lint_hook_runs_on_the_pack_files(tmp_path):
    proc = run_hook(HOOKS["lifeservices-lint"], data_repo(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no problems in 1 pack file(s)" in proc.stderr


# --------------------------------------------------------------------------- GitHub Action


ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = ACTION["runs"]["steps"]


def step(name: str) -> dict:
    (found,) = [s for s in STEPS if s.get("name") == name]
    return found


def expressions(value: object) -> list[str]:
    """Every ``${{ ... }}`` expression in a YAML value."""
    if isinstance(value, dict):
        return [e for v in value.values() for e in expressions(v)]
    if isinstance(value, list):
        return [e for v in value for e in expressions(v)]
    return EXPRESSION.findall(value) if isinstance(value, str) else []


def test_action_is_a_composite_with_the_documented_inputs():
    assert ACTION["runs"]["using"] == "composite"
    assert {"paths", "indicators", "fail-on", "junit", "sarif", "python-version", "version"} <= set(ACTION["inputs"])
    assert all(spec.get("description") for spec in ACTION["inputs"].values())
    assert ACTION["inputs"]["paths"]["required"] is True
    assert {"junit", "sarif", "exit-code"} <= set(ACTION["outputs"])
    assert STEPS[0]["uses"].startswith("actions/setup-python@")
    assert all(s.get("shell") == "bash" for s in STEPS if "run" in s)


def test_every_expression_names_a_declared_input_or_step_output():
    used = expressions(ACTION)
    inputs = {m.group(1) for e in used if (m := re.fullmatch(r"inputs\.([\w-]+)", e))}
    assert inputs == set(ACTION["inputs"])  # each input used, none undeclared
    ids = {s["id"] for s in STEPS if "id" in s}
    for e in used:
        assert re.fullmatch(r"inputs\.[\w-]+|github\.action_path|steps\.([\w-]+)\.outputs\.[\w-]+", e), e
        if e.startswith("steps."):
            assert e.split(".")[1] in ids


def test_scripts_take_inputs_from_the_environment_and_are_valid_bash():
    for s in STEPS:
        if "run" in s:
            assert "${{" not in s["run"]  # no input pasted into a script: no injection
            proc = subprocess.run(["bash", "-n"], input=s["run"], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr


def run_step(name: str, cwd: Path, env: dict[str, str], path: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a step's script as the runner does (``bash --noprofile --norc -eo pipefail FILE``)."""
    script = cwd.parent / f"{name}.sh"
    script.write_text(step(name)["run"], encoding="utf-8")
    full = environ(**env)
    if path is not None:
        full["PATH"] = path
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)]
    return subprocess.run(command, cwd=cwd, env=full, capture_output=True, text=True)


def outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


def test_check_step_annotates_and_writes_junit_sarif_and_the_summary(tmp_path):
    repo = data_repo(tmp_path)
    github = {"GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    env = {
        "LS_PATHS": "data/*.csv\n  data/**/*.yaml",
        "LS_INDICATORS": "packs/city.yaml",
        "LS_FAIL_ON": "any",
        "LS_JUNIT": "reports/junit.xml",
        "LS_SARIF": "reports/lifeservices.sarif",
        "LS_SUMMARY": "true",
        "LS_ARGS": "--lang en --as-of 2024-06-30",
        "GITHUB_ACTIONS": "true",
        **github,
    }
    proc = run_step("Check", repo, env)
    assert proc.returncode == 1, proc.stderr
    assert "::error file=data/communities.csv,line=4,title=TB-003 海明社区" in proc.stdout
    assert "service facility area = 480 m²" in proc.stdout  # --lang en reached the command
    suites = ET.parse(repo / "reports" / "junit.xml").getroot()
    assert suites.tag == "testsuites" and int(suites.get("failures", "0")) > 0
    sarif = json.loads((repo / "reports" / "lifeservices.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert "| 洮北区 |" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert outputs(tmp_path / "output") == {
        "junit": "reports/junit.xml",
        "sarif": "reports/lifeservices.sarif",
        "exit-code": "1",
    }


def test_check_step_fail_on_never_and_no_reports(tmp_path):
    repo = data_repo(tmp_path)
    env = {
        **{k: "" for k in ("LS_INDICATORS", "LS_JUNIT", "LS_SARIF", "LS_ARGS")},
        "LS_PATHS": "data/facilities.csv",
        "LS_FAIL_ON": "never",
        "LS_SUMMARY": "false",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    proc = run_step("Check", repo, env)
    assert proc.returncode == 0, proc.stderr
    assert "::warning file=data/facilities.csv,line=7" in proc.stdout  # missing data, annotated anyway
    assert not (repo / "reports").exists() and not (tmp_path / "summary.md").exists()
    assert outputs(tmp_path / "output") == {"junit": "", "sarif": "", "exit-code": "0"}


def test_check_step_with_no_matching_file_exits_2(tmp_path):
    repo = data_repo(tmp_path)
    env = {"LS_PATHS": "nothing/*.csv", "LS_FAIL_ON": "any", "GITHUB_OUTPUT": str(tmp_path / "output")}
    env.update({k: "" for k in ("LS_INDICATORS", "LS_JUNIT", "LS_SARIF", "LS_ARGS", "LS_SUMMARY")})
    proc = run_step("Check", repo, env)
    assert proc.returncode == 2
    assert "::error title=lifeservices::no data file matches paths: nothing/*.csv" in proc.stdout


@pytest.mark.parametrize(("version", "wanted"), [("", "ACTION_PATH"), ("0.1.0", "lifeservices-cli==0.1.0")])
def test_install_step_installs_the_actions_revision_or_a_version(tmp_path, version, wanted):
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "pip.log"
    (fake / "python").write_text(f'#!/bin/sh\necho "$@" >> {shlex.quote(str(log))}\n', encoding="utf-8")
    (fake / "lifeservices").write_text("#!/bin/sh\necho lifeservices 0.1.0\n", encoding="utf-8")
    for f in fake.iterdir():
        f.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {"LS_VERSION": version, "LS_ACTION_PATH": "ACTION_PATH"}
    proc = run_step("Install lifeservices-cli", work, env, path=f"{fake}{os.pathsep}/usr/bin{os.pathsep}/bin")
    assert proc.returncode == 0, proc.stderr
    assert log.read_text(encoding="utf-8").split() == [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        wanted,
    ]


# --------------------------------------------------------------------------- shell completion


def test_show_completion_prints_the_bash_script():
    # typer detects the shell it is run from: run it from bash.
    proc = subprocess.run(
        ["bash", "-c", 'lifeservices --show-completion; echo "exit $?"'], env=environ(), capture_output=True, text=True
    )
    assert proc.stdout.rstrip().endswith("exit 0"), proc.stderr
    assert "complete -o default -F _lifeservices_completion lifeservices" in proc.stdout
    assert "_LIFESERVICES_COMPLETE=complete_bash" in proc.stdout


def complete(words: str) -> list[str]:
    """What bash completion offers for the command line ``words`` (typer's protocol)."""
    parts = words.split(" ")
    env = environ(_LIFESERVICES_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(len(parts) - 1))
    proc = subprocess.run([LIFESERVICES or "lifeservices"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_completion_protocol_offers_commands_options_and_values():
    assert complete("lifeservices ch") == ["check"]
    assert {"check", "explain", "lint", "test", "template", "schema", "indicators"} <= set(complete("lifeservices "))
    assert complete("lifeservices check --fail") == ["--fail-on"]
    assert complete("lifeservices check --fail-on ") == ["any", "fail", "never"]
    assert complete("lifeservices indicators l") == ["list"]


def test_the_script_completes_in_a_real_bash():
    script = """
eval "$(lifeservices --show-completion)"
COMP_WORDS=(lifeservices ch); COMP_CWORD=1
_lifeservices_completion lifeservices
echo "${COMPREPLY[@]}"
"""
    proc = subprocess.run(["bash", "--norc", "-c", script], env=environ(), capture_output=True, text=True)
    assert proc.stdout.split() == ["check"], proc.stderr


def test_install_completion_writes_the_script_and_sources_it(tmp_path):
    proc = subprocess.run(
        ["bash", "-c", 'lifeservices --install-completion; echo "exit $?"'],
        env=environ(HOME=str(tmp_path)),
        capture_output=True,
        text=True,
    )
    assert proc.stdout.rstrip().endswith("exit 0"), proc.stderr
    installed = tmp_path / ".bash_completions" / "lifeservices.sh"
    assert "_lifeservices_completion" in installed.read_text(encoding="utf-8")
    assert f"source '{installed}'" in (tmp_path / ".bashrc").read_text(encoding="utf-8")
