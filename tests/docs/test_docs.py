"""The documentation is true: the commands and flags it names exist, its links resolve, the output
it shows is what the tool prints today, its Python runs, its packs lint and pass their tests, its
error messages are the tool's, and its CI snippets are valid."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import unicodedata
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lifeservices_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").rglob("*.md"))
REFERENCE = ROOT / "docs" / "reference.md"
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *DOCS]
GUIDES = [ROOT / "docs" / "guide.md", ROOT / "docs" / "zh" / "guide.md"]
BIN = Path(sys.executable).parent
LIFESERVICES = shutil.which("lifeservices", path=str(BIN)) or shutil.which("lifeservices")
FENCE = re.compile(r"^( *)```([\w-]*)\n(.*?)^\1```$", re.M | re.S)
MARKED = re.compile(r"<!-- ([\w-]+)(?::\s*(.*?))? -->\n```[\w-]*\n(.*?)^```$", re.M | re.S)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def blocks(path: Path, lang: str | None = None) -> list[str]:
    found = [(kind, textwrap.dedent(body)) for _, kind, body in FENCE.findall(text(path))]
    return [body for kind, body in found if lang is None or kind == lang]


def marked(kind: str) -> list[tuple[Path, str, str]]:
    """Every fenced block preceded by ``<!-- kind: argument -->``: (page, argument, body)."""
    return [(page, arg, body) for page in PAGES for k, arg, body in MARKED.findall(text(page)) if k == kind]


def marked_ids(value: object) -> str:
    """Test ids for ``marked`` cases: the page and the argument, not the block."""
    if isinstance(value, Path):
        return rel(value)
    return value if isinstance(value, str) and "\n" not in value and len(value) < 120 else "-"


def environ(**extra: str) -> dict[str, str]:
    assert LIFESERVICES, "the lifeservices console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "LIFESERVICES_", "COLUMNS"))}
    env["PATH"] = os.pathsep.join([str(Path(LIFESERVICES).parent), env.get("PATH", "")])
    env.update(extra)
    return env


def run_shown(command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``[VAR=value ...] lifeservices ARGS`` as a shell would, without a shell."""
    words = shlex.split(command)
    env: dict[str, str] = {}
    while "=" in words[0] and not words[0].startswith("-"):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    assert words[0] == "lifeservices", command
    return subprocess.run([LIFESERVICES or "", *words[1:]], cwd=cwd, env=environ(**env), capture_output=True, text=True)


# --------------------------------------------------------------------------- commands and flags


@cache
def help_of(*command: str) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, (command, result.output)
    return result.stdout


def section(help_text: str, title: str) -> list[str]:
    """The lines of a ``--help`` section (``Options:``, ``Commands:``)."""
    lines = help_text.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0].splitlines() if title in help_text else []
    return [line for line in lines if line.strip()]


@cache
def commands() -> dict[tuple[str, ...], set[str]]:
    """Every command path of the CLI and the flags it takes (the root's own under ())."""
    found: dict[tuple[str, ...], set[str]] = {}

    def visit(path: tuple[str, ...]) -> None:
        page = help_of(*path)
        flags = set()
        for line in section(page, "Options"):
            head = re.split(r"\s{2,}", line.strip())[0]
            flags.update(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", head))
        found[path] = flags
        for line in section(page, "Commands"):
            visit((*path, line.split()[0]))

    visit(())
    return found


def invocations(page: Path) -> list[str]:
    """``lifeservices …`` command lines in the page's code blocks and code spans."""
    body = text(page)
    lines = [line for b in blocks(page) for line in b.splitlines()]
    lines += re.findall(r"`([^`\n]+)`", FENCE.sub("", body))
    found = []
    for line in lines:
        for m in re.finditer(r"(?:^|[\s(\"$])lifeservices\s([^#|\n]*)", line):
            if not line[: m.start() + 1].rstrip().endswith(("python -m", "-m")):
                found.append(m.group(1).strip().strip('")'))
    return found


def parse_invocation(args: str) -> tuple[tuple[str, ...], list[str]]:
    words = [w.strip("[]{}|\"'") for w in args.split()]
    path: list[str] = []
    table = commands()
    for word in words:
        if word.startswith("-") or (*path, word) not in table:
            break
        path.append(word)
    flags = [f for w in words for f in re.findall(r"^(--?[A-Za-z][\w-]*)", w)]
    return tuple(path), flags


def test_the_cli_has_the_commands_the_docs_describe():
    assert {("check",), ("explain",), ("lint",), ("test",), ("template",), ("schema",), ("indicators", "list")} <= set(
        commands()
    )
    assert {"--version", "--install-completion", "--show-completion", "--help"} <= commands()[()]


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_command_and_flag_named_exists(page):
    seen = invocations(page)
    assert seen or page.name == "README.md" and "docs" in page.parts, f"{rel(page)} names no command"
    for args in seen:
        path, flags = parse_invocation(args)
        if not path and not flags:
            continue  # prose such as "lifeservices: error: ..." in a code span
        for flag in flags:
            assert flag in commands()[path] | {"-h", "--help"}, f"{rel(page)}: `lifeservices {args}`: no {flag}"


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_flags_in_code_spans_exist(page):
    known = set().union(*commands().values())
    others = {"--all-files", "--quiet", "--noprofile", "--norc", "--disable-pip-version-check", "--strict-markers"}
    for span in re.findall(r"`(--[a-z][\w-]*)", FENCE.sub("", text(page))):
        assert span in known | others, f"{rel(page)}: `{span}` is no option of lifeservices"


def leaves() -> list[str]:
    table = commands()
    return [
        " ".join(path)
        for path in table
        if path and not any(other[: len(path)] == path and other != path for other in table)
    ]


def test_readme_lists_every_command_with_an_example():
    readme = text(ROOT / "README.md")
    for name in leaves():
        assert f"| `{name}` |" in readme and f"`lifeservices {name} " in readme, name


def test_the_reference_describes_every_command():
    reference = text(REFERENCE)
    for name in leaves():
        assert f"| `{name}` |" in reference, name
    for flag in ("--version", "--install-completion"):
        assert f"| `{flag}` |" in reference, flag


def test_the_readme_is_short_and_points_at_the_reference():
    readme = text(ROOT / "README.md")
    assert len(readme.splitlines()) <= 250
    assert "](docs/reference.md)" in readme and "](docs/README.md)" in readme
    assert "[The reference](reference.md) is the reference" in text(ROOT / "docs" / "README.md")


def test_no_line_of_prose_is_in_two_pages():
    """One home per truth: a sentence copied into a second page drifts; link to it instead. Code
    blocks are left out (what they show is executed or checked where they stand)."""
    homes: dict[str, Path] = {}
    for page in PAGES:
        for line in FENCE.sub("", text(page)).splitlines():
            line = line.strip()
            if len(line) < 50 or line.startswith(("|---", "<!--")):
                continue
            assert homes.setdefault(line, page) == page, f"in {rel(homes[line])} and {rel(page)}: {line}"


# --------------------------------------------------------------------------- links


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    plain = re.sub(r"[`*]|\[([^]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    kept = "".join(c for c in plain if c in " -_" or unicodedata.category(c)[0] in "LMN")
    return kept.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#{1,6} (.+)$", FENCE.sub("", text(page)), re.M)}


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_relative_link_resolves(page):
    links = re.findall(r"\]\(([^)\s]+)\)", FENCE.sub("", text(page)))
    assert links or page.name != "guide.md"
    for link in links:
        if re.match(r"[a-z]+:", link):
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page
        assert path.exists(), f"{rel(page)}: broken link {link}"
        assert ROOT in path.parents or path == ROOT, f"{rel(page)}: {link} leaves the repository"
        if anchor and path.suffix == ".md":
            assert anchor in anchors(path), f"{rel(page)}: no heading #{anchor} in {rel(path)}"


def test_docs_are_all_linked_from_the_readme_or_the_index():
    linked = re.findall(r"\]\(docs/([^)#]+)", text(ROOT / "README.md"))
    linked += re.findall(r"\]\(([^)#]+)", text(ROOT / "docs" / "README.md"))
    for page in DOCS:
        if page.name != "README.md":
            assert page.relative_to(ROOT / "docs").as_posix() in linked, rel(page)


def test_the_guides_have_the_same_structure():
    en, zh = (re.findall(r"^## (\d+)\. ", text(page), re.M) for page in GUIDES)
    assert en == zh == [str(n) for n in range(1, 10)]


def test_no_machine_paths_in_the_docs():
    for page in PAGES:
        for absolute in ("/work/", "/home/", "/tmp/", "/root/", "C:\\Users"):
            assert absolute not in text(page), (rel(page), absolute)


# --------------------------------------------------------------------------- what the docs show


@pytest.mark.parametrize(("page", "command", "shown"), marked("output"), ids=marked_ids)
def test_shown_output_is_what_the_tool_prints(page, command, shown):
    proc = run_shown(command)
    got = "\n".join(line.rstrip() for line in proc.stdout.removeprefix("\ufeff").splitlines())
    want = "\n".join(line.rstrip() for line in shown.splitlines())
    assert got == want, f"{rel(page)}: update the output of `{command}`:\n{got}"


@pytest.mark.parametrize(("page", "command", "shown"), marked("json-excerpt"), ids=marked_ids)
def test_json_excerpts_are_part_of_the_real_report(page, command, shown):
    actual, excerpt = json.loads(run_shown(command).stdout), json.loads(shown)
    for key, value in excerpt.items():
        if isinstance(value, list) and key in ("indicators", "results", "aggregates"):
            assert all(item in actual[key] for item in value), (rel(page), key)
        else:
            assert actual[key] == value, (rel(page), key)


def test_the_python_examples_run_and_print_what_they_show(tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for page in (ROOT / "docs" / "api.md", ROOT / "README.md"):
        code = "\n".join(blocks(page, "python"))
        assert "check_records" in code and '"fail"' in code, rel(page)
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0, f"{rel(page)}:\n{proc.stderr}"
    first = blocks(ROOT / "docs" / "api.md", "python")[0]
    proc = subprocess.run([sys.executable, "-c", first], cwd=tmp_path, capture_output=True, text=True, check=True)
    ((_, _, shown),) = [m for m in marked("python-output")]
    assert proc.stdout == shown
    assert (tmp_path / "report.html").is_file() and (tmp_path / "result.xlsx").is_file()


@pytest.mark.parametrize(("page", "name", "pack"), marked("pack"), ids=marked_ids)
def test_the_packs_shown_lint_clean_and_pass_their_tests(page, name, pack, tmp_path):
    path = tmp_path / name
    path.write_text(pack, encoding="utf-8")
    proc = run_shown(f"lifeservices lint {shlex.quote(str(path))} --strict --lang en")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    if "tests:" in pack:
        proc = run_shown(f"lifeservices test {shlex.quote(str(path))} --lang en")
        assert proc.returncode == 0 and ", 0 failed" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_yaml_block_is_valid_yaml(page):
    for body in blocks(page, "yaml"):
        yaml.safe_load(body)


def test_every_status_is_explained_in_both_guides():
    for page in GUIDES:
        for status in ("pass", "fail", "eligible", "not_eligible", "not_applicable", "missing_data", "invalid_data"):
            assert f"`{status}`" in text(page), (rel(page), status)
        for shown in ("达标", "未达标", "符合条件", "不符合条件", "不适用", "缺少数据", "数据无效"):
            assert shown in text(page), (rel(page), shown)


# The error messages the guides quote, with a way to make the tool print each.
ERRORS: list[tuple[str, str, dict[str, bytes]]] = [
    ("check no-such.csv", "no such file", {}),
    ("check examples", "is a folder, not a data file", {}),
    ("check f.pdf", "unsupported file type '.pdf'", {"f.pdf": b"a,b\n"}),
    ("check odd.csv", "no header row found: the columns fit no entity", {"odd.csv": "甲,乙\n1,2\n".encode()}),
    (
        "check tie.csv",
        "the columns fit several entities (community, facility); use --entity",
        {"tie.csv": "户数,建筑面积\n1,2\n".encode()},
    ),
    ("check f.xls", "not a readable .xls workbook", {"f.xls": b"a,b\n"}),
    ("check examples/communities.csv --entity planet", "unknown entity 'planet'", {}),
    (
        "check dup.csv",
        "columns '户数（户）' and '户数' both give field 'households'",
        {"dup.csv": "社区编码,户数（户）,户数\nA,1,2\n".encode()},
    ),
    ("check unit.csv", "unit '万元' does not convert to m²", {"unit.csv": "项目编号,建筑面积（万元）\nF,1\n".encode()}),
    ("check empty.csv", "the file is empty: no header row", {"empty.csv": b""}),
    ("check bad.xlsx", "not a readable .xlsx workbook", {"bad.xlsx": b"PK\x03\x04 not really"}),
    ("check examples/communities.csv --encoding klingon", "unknown encoding", {}),
    ("check examples/communities.csv --as-of 2024-02-30", "--as-of '2024-02-30' is not a date", {}),
    ("check examples/communities.csv -f json -o no/r.json", "the folder for the output does not exist", {}),
    ("check examples/communities.csv --only nope", "unknown indicator 'nope'", {}),
    ("check examples/communities.csv --indicators missing.yaml", "no such pack file or folder", {}),
    (
        "check examples/communities.csv --indicators pack.yaml",
        "pack.yaml:4: bogus: unknown key 'bogus'",
        {"pack.yaml": "id: x\ntitle: {zh: 甲, en: a}\ndocument: d\nbogus: 1\n".encode()},
    ),
]


@pytest.mark.parametrize(("args", "message", "files"), ERRORS, ids=[e[1][:40] for e in ERRORS])
def test_the_error_messages_in_the_guides_are_the_tools(args, message, files, tmp_path):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    proc = run_shown(f"lifeservices {args}", cwd=tmp_path)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    for page in GUIDES:
        assert message in text(page), (rel(page), message)


def test_the_sheet_error_in_the_guides_is_the_tools(tmp_path):
    from openpyxl import Workbook

    Workbook().save(tmp_path / "one.xlsx")
    proc = run_shown("lifeservices check one.xlsx --sheet 数据", cwd=tmp_path)
    assert proc.returncode == 2 and "no sheet '数据'; the sheets are: Sheet" in proc.stderr
    for page in GUIDES:
        assert "no sheet '数据'; the sheets are:" in text(page)


# --------------------------------------------------------------------------- CI snippets


def snippet(kind: str) -> dict:
    ((_, _, body),) = marked(kind)
    data = yaml.safe_load(body)
    assert isinstance(data, dict)
    return data


def test_pre_commit_config_snippet_passes_pre_commits_validator(tmp_path):
    config = tmp_path / ".pre-commit-config.yaml"
    ((_, _, body),) = marked("pre-commit-config")
    config.write_text(body, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(config)], capture_output=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hooks = {h["id"] for h in yaml.safe_load(text(ROOT / ".pre-commit-hooks.yaml"))}
    assert {h["id"] for repo in snippet("pre-commit-config")["repos"] for h in repo["hooks"]} <= hooks


def test_github_workflow_snippet_uses_only_the_actions_inputs():
    inputs = yaml.safe_load(text(ROOT / "action.yml"))["inputs"]
    workflow = snippet("github-workflow")
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    (ours,) = [s for s in steps if s.get("uses", "").startswith("your-org/lifeservices-cli@")]
    assert set(ours["with"]) <= set(inputs)
    assert {name for name, spec in inputs.items() if spec.get("required")} <= set(ours["with"])


def test_gitlab_snippet_publishes_the_junit_report_its_script_writes(tmp_path):
    job = snippet("gitlab-ci")["lifeservices"]
    assert job["artifacts"]["when"] == "always"
    junit = job["artifacts"]["reports"]["junit"]
    (command,) = [line for line in job["script"] if line.startswith("lifeservices ")]
    assert f"--report junit={junit}" in command
    (tmp_path / "data").mkdir()
    for name in ("communities.csv", "facilities.csv"):
        shutil.copy(ROOT / "examples" / name, tmp_path / "data" / name)
    proc = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=environ(), capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr  # the examples fail: the job fails, the report is still published
    suites = ET.parse(tmp_path / junit).getroot()
    assert suites.tag == "testsuites" and int(suites.get("failures", "0")) > 0
    assert all((tmp_path / p).is_file() for p in job["artifacts"]["paths"])
