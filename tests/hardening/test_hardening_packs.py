"""Hostile packs: a pack is data, never code. Formulas that try to reach Python, YAML tags and
alias bombs, ``extends`` loops, huge or deeply nested formulas and rules, and pack paths that
lead elsewhere through symlinks are refused with a one-line message (exit 2 for ``check``,
``lint`` codes for ``lint``) — and whatever they try to run never runs: each test plants a
canary file the payload would create and checks it is still absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_hardening_inputs import run_process

from helpers import pack_text

PACK = pack_text("tiny").replace("    kind: standard\n", "    kind: standard\n    applies_if: ok\n")
DATA = "编号,面积,合格\nS-1,600,是\n"


@pytest.fixture
def cli(cli):
    return cli.using(lang="en", width=200)


def one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("lifeservices: error: ") and "Traceback" not in result.output
    return line.removeprefix("lifeservices: error: ")


def setup(tmp_path: Path, pack: str, name: str = "pack.yaml") -> tuple[Path, Path]:
    pack_path = tmp_path / name
    pack_path.write_text(pack, encoding="utf-8")
    data = tmp_path / "sites.csv"
    data.write_text(DATA, encoding="utf-8")
    return pack_path, data


def swap(old: str, new: str, text: str = PACK) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_the_tiny_pack_itself_works(cli, tmp_path):
    pack, data = setup(tmp_path, PACK)
    result = cli("check", data, "-i", pack, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["results"][0]["status"] == "pass"


# --------------------------------------------------------------------------- formulas that try to run code

CANARY = "CANARY"
PAYLOADS = {
    "dunder import": "__import__('os').system('touch CANARY')",
    "attribute access": "area.__class__",
    "attribute chain": "().__class__.__bases__[0].__subclasses__()",
    "dunder name": "__builtins__",
    "open": "open('CANARY', 'w')",
    "exec": 'exec(\'open("CANARY", "w")\')',
    "eval": "eval('1')",
    "getattr": "getattr(area, '__globals__')",
    "import": "import os",
    "lambda": "(lambda: open('CANARY', 'w'))()",
    "list comprehension": "[open('CANARY', 'w') for x in (1,)]",
    "generator": "min(x for x in (1, 2))",
    "set comprehension": "{x for x in (1, 2)}",
    "subscript": "area[0]",
    "walrus": "(x := 1)",
    "format string": "f'{open(\"CANARY\")}'",
    "call of a call": "abs(1)(2)",
    "semicolon": "area; open('CANARY', 'w')",
    "python conditional": "1 if ok else 2",
    "power": "area ** 99999999",
}


@pytest.mark.parametrize("place", ["metric", "applies_if", "rule"])
@pytest.mark.parametrize("payload", list(PAYLOADS.values()), ids=list(PAYLOADS))
def test_formulas_that_try_to_run_code_are_refused_at_load(cli, tmp_path, monkeypatch, payload, place):
    monkeypatch.chdir(tmp_path)
    old = {"metric": "metric: area", "applies_if": "applies_if: ok", "rule": "rule: 不低于 500"}[place]
    value = f"不低于 {payload}" if place == "rule" else payload
    pack, data = setup(tmp_path, swap(old, f"{place}: {json.dumps(value, ensure_ascii=False)}"))  # YAML "..."
    message = one_line_error(cli("check", data, "-i", pack))
    line = PACK.splitlines().index(f"    {old}") + 1
    assert message.startswith(f"{pack}:{line}: indicators.0.{place}: "), message
    lint = cli("lint", pack, "--format", "json")
    assert lint.exit_code == 1
    codes = {p["code"] for p in json.loads(lint.stdout)}
    assert codes & {"LS020", "LS030", "LS032"}, lint.stdout
    assert not (tmp_path / CANARY).exists()


def test_yaml_python_tags_never_construct_objects(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pack, data = setup(
        tmp_path, swap("document: 测试文件", "document: !!python/object/apply:os.system ['touch CANARY']")
    )
    message = one_line_error(cli("check", data, "-i", pack))
    assert message.startswith(f"{pack}:3: ") and "could not determine a constructor" in message
    assert not (tmp_path / CANARY).exists()


# --------------------------------------------------------------------------- alias bombs, as a pack and as data


def _bomb(first: str) -> str:
    lines = [first, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"  # fully expanded: 9**9 (387 million) strings


@pytest.mark.parametrize("kind", ["pack", "data"])
def test_a_yaml_alias_bomb_is_refused_quickly_in_bounded_memory(tmp_path, kind):
    bomb = tmp_path / f"bomb.{'yaml' if kind == 'pack' else 'yml'}"
    bomb.write_text(_bomb("id: bomb" if kind == "pack" else "entity: community"), encoding="utf-8")
    good = tmp_path / "communities.csv"
    good.write_text("社区编码,户数\nC1,100\n", encoding="utf-8")
    args = ["check", good, "-i", bomb] if kind == "pack" else ["check", bomb]
    code, err, peak = run_process(*args, cwd=tmp_path)  # killed, and failed, after a generous timeout
    assert code == 2
    assert err.strip() == f"lifeservices: error: {bomb}:3: YAML aliases (*name) are not allowed"
    assert peak < 512, f"peak memory {peak:.0f} MiB"


# --------------------------------------------------------------------------- extends


@pytest.mark.parametrize("size", [1, 2, 3])
def test_an_extends_loop_is_refused_by_check_and_lint(cli, tmp_path, size):
    names = [f"p{i}.yaml" for i in range(size)]
    for i, name in enumerate(names):
        (tmp_path / name).write_text(
            f"id: p{i}\ntitle: {{zh: 甲, en: a}}\ndocument: d\nextends: {names[(i + 1) % size]}\n", encoding="utf-8"
        )
    data = tmp_path / "sites.csv"
    data.write_text(DATA, encoding="utf-8")
    message = one_line_error(cli("check", data, "-i", tmp_path / names[0]))
    assert "makes a loop" in message and message.startswith(str(tmp_path))
    lint = cli("lint", tmp_path / names[0], "--format", "json")
    assert lint.exit_code == 1 and "LS050" in {p["code"] for p in json.loads(lint.stdout)}


# --------------------------------------------------------------------------- paths that lead elsewhere


def test_packs_reached_through_symlinks_are_only_read(cli, tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "base.yaml").write_text(
        swap("document: 测试文件", "document: !!python/name:os.system"), encoding="utf-8"
    )
    inside = tmp_path / "repo" / "packs"
    inside.mkdir(parents=True)
    (inside / "pack.yaml").symlink_to(outside / "base.yaml")
    (inside / "child.yaml").write_text(
        "id: child\ntitle: {zh: 子, en: child}\ndocument: d\nextends: ../../outside/base.yaml\n"
    )
    monkeypatch.chdir(tmp_path / "repo")
    data = tmp_path / "repo" / "sites.csv"
    data.write_text(DATA, encoding="utf-8")
    for pack in ("packs/pack.yaml", "packs/child.yaml", "packs"):
        message = one_line_error(cli("check", data, "-i", pack))
        assert "could not determine a constructor" in message, message
    assert not any(p.name == CANARY for p in tmp_path.rglob("*"))


@pytest.mark.parametrize("where", ["data", "pack", "extends", "source_text"])
def test_a_symlink_to_a_device_or_a_fifo_is_refused_not_read_forever(tmp_path, monkeypatch, where):
    # /dev/zero never ends and a FIFO blocks until someone writes: neither is a file to check
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    for name, target in (("zero", "/dev/zero"), ("fifo", str(tmp_path / "fifo"))):
        data = tmp_path / "sites.csv"
        data.write_text(DATA, encoding="utf-8")
        pack = tmp_path / "pack.yaml"
        pack.write_text(PACK, encoding="utf-8")
        link = tmp_path / f"{name}.{'csv' if where == 'data' else 'yaml'}"
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        if where == "data":
            args = ["check", link, "-i", pack]
        elif where == "pack":
            args = ["check", data, "-i", link]
        elif where == "extends":
            pack.write_text(f"id: c\ntitle: {{zh: 子, en: c}}\ndocument: d\nextends: {link.name}\n", encoding="utf-8")
            args = ["check", data, "-i", pack]
        else:
            pack.write_text(
                swap("document: 测试文件", f"document: 测试文件\nsource_text: {link.name}"), encoding="utf-8"
            )
            args = ["lint", pack]
        out = tmp_path / "out.txt"
        with out.open("wb") as stdout:
            code, err, _ = run_process(*args, cwd=tmp_path, stdout=stdout)  # reading forever fails on the timeout
        assert "Traceback" not in err
        if where == "source_text":
            assert code == 1 and "LS041" in out.read_text(encoding="utf-8")
        else:
            assert code == 2 and len(err.strip().splitlines()) == 1, err
            assert link.name in err or "no pack file" in err


# --------------------------------------------------------------------------- size and depth


def _formula_cases() -> dict[str, tuple[str, str]]:
    deep = "(" * 5000 + "area" + ")" * 5000
    return {
        "100 kB formula": ("metric: area", "metric: " + " + ".join(["area"] * 14_000), "longer than 2000 characters"),
        "deeply nested": ("metric: area", f"metric: {deep}", "longer than 2000 characters"),
        "nested within the limit": ("metric: area", "metric: " + "(" * 200 + "area" + ")" * 200, "nested too deeply"),
        "deep not": ("applies_if: ok", "applies_if: " + "not " * 300 + "ok", "nested too deeply"),
        "100 kB rule": ("rule: 不低于 500", "rule: 不低于 " + " + ".join(["area"] * 14_000), "longer than"),
        "100 kB rule of spaces": ("rule: 不低于 500", "rule: '不低于 " + " " * 100_000 + "x 500'", "longer than"),
        "100 kB rule ending in a word": ("rule: 不低于 500", "rule: 'x" + " " * 100_000 + "y 以下'", "longer than"),
    }


@pytest.mark.parametrize("case", list(_formula_cases()))
def test_huge_and_deep_formulas_and_rules_get_a_clear_error(tmp_path, case):
    old, new, words = _formula_cases()[case]
    pack, data = setup(tmp_path, swap(old, new))
    code, err, _ = run_process("check", data, "-i", pack, cwd=tmp_path)  # quickly: no RecursionError, no backtracking
    assert code == 2, err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"lifeservices: error: {pack}:") and words in line, line[:300]
    assert "RecursionError" not in err and "Traceback" not in err
