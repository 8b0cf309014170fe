"""A large run's summaries ranked from the store's tally give what reading every result gives.

The tally (``report.tally``) keeps, per (file, district, indicator, status), the count and the
first positions; ``problems.worst_many`` ranks from it and reads only the results it keeps.
Each summary format is rendered both ways from the same spooled run and must be the same text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import COMMUNITY_HEADER, COMPOUND_HEADER
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options, View, problems
from lifeservices_cli.report import tally

DISTRICTS = ("洮北区", "洮南市", "大安市", "镇赉县")


def _communities(tmp_path: Path, name: str, rows: int, seed: int) -> Path:
    """Fails, passes, missing areas, bad cells (the record engine's rows) over four districts."""
    lines = [COMMUNITY_HEADER]
    for n in range(rows):
        k = (n * 7 + seed) % 23
        area = "" if k == 0 else ("480" if k % 3 == 0 else "900")
        if k == 11:
            area = "12a"  # invalid: made by the record engine inside a columnar batch
        households = "" if k == 5 else str(1000 + (n * 37) % 900)
        district = DISTRICTS[(n * 5 + seed) % 4] if k != 17 else ""
        lines.append(f"C{seed}{n:05d},社区{n},{district},{'是' if k % 4 else '否'},是,{households},{area}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def spooled(tmp_path):
    paths = [_communities(tmp_path, "a.csv", 900, 1), _communities(tmp_path, "b.csv", 500, 4)]
    compounds = tmp_path / "compounds.csv"
    compounds.write_text(f"{COMPOUND_HEADER}\nX1,甲,洮北区,是,是,否\nX2,乙,洮南市,是,是,是\n", encoding="utf-8")
    report = check_files([*paths, compounds], engine="columns", lang="zh")
    assert report.store.spooled and report.store.tally.usable
    return report


def _both(report, monkeypatch, render):
    """``render()`` from the tally (the spool never scanned) and from every result."""
    from lifeservices_cli.report.store import ResultStore

    with monkeypatch.context() as m:
        def refuse(*_args, **_kwargs):
            raise AssertionError("the tally should have answered")

        m.setattr(ResultStore, "scan", refuse)
        fast = render()
    with monkeypatch.context() as m:
        m.setattr(problems, "TALLY", False)
        slow = render()
    return fast, slow


@pytest.mark.parametrize("fmt", [Format.table, Format.markdown, Format.html, Format.github])
def test_each_summary_is_the_same_from_the_tally(spooled, monkeypatch, fmt):
    fast, slow = _both(spooled, monkeypatch, lambda: fmt.render(spooled))
    assert fast == slow
    assert ("社区" in fast) if fmt is not Format.github else ("::error" in fast)


@pytest.mark.parametrize("view", [View.district, View.department])
@pytest.mark.parametrize("fmt", [Format.markdown, Format.html])
def test_the_grouped_views_are_the_same_from_the_tally(spooled, monkeypatch, fmt, view):
    fast, slow = _both(spooled, monkeypatch, lambda: fmt.render(spooled, Options(by=view)))
    assert fast == slow


def test_a_group_longer_than_the_tally_keeps_is_still_right(spooled, monkeypatch):
    # the first positions of each status are all a group's worst can come from: fewer kept, the same answer
    specs = [(3, ("district",), None, None), (2, ("indicator", "status"), None, None)]
    picked = problems.worst_many(spooled, specs)
    with monkeypatch.context() as m:
        m.setattr(problems, "TALLY", False)
        assert problems.worst_many(spooled, specs) == picked
    assert {key for key in picked[0]} >= {(d,) for d in DISTRICTS}
    assert sum(sum(p.counts.values()) for p in picked[0].values()) == spooled.store.total


def test_past_its_budget_the_tally_gives_up_and_the_spool_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(tally, "BUDGET", 50)
    report = check_files([_communities(tmp_path, "a.csv", 900, 1)], engine="columns", lang="zh")
    assert report.store.spooled and not report.store.tally.usable
    text = Format.markdown.render(report)
    monkeypatch.setattr(problems, "TALLY", False)
    assert Format.markdown.render(report) == text


def test_a_file_the_columns_give_back_leaves_no_count_behind(tmp_path, monkeypatch):
    # a quoted cell spanning lines sends the file to the record engine after some batches were stored
    from lifeservices_cli.engine.columnar import reader
    from lifeservices_cli.report.store import ResultStore

    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)  # batches of a few dozen rows
    rolled = []
    monkeypatch.setattr(ResultStore, "rollback", lambda self, mark, real=ResultStore.rollback: (
        rolled.append(self.total - mark[2]), real(self, mark))[1])
    good = _communities(tmp_path, "a.csv", 300, 1)
    odd = tmp_path / "odd.csv"
    lines = good.read_text(encoding="utf-8").splitlines()
    lines[250] = lines[250].replace("社区249", '"社区\n249"')
    odd.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = check_files([good, odd], engine="columns", lang="zh")
    assert rolled and rolled[0] > 0  # results were stored, then taken back
    counted = sum(g.count for g in report.store.tally.groups.values())
    assert report.store.tally.usable and counted == report.store.total
    records = check_files([good, odd], engine="records", lang="zh")
    assert Format.markdown.render(report) == Format.markdown.render(records)


def test_sarifs_25000_worst_come_from_the_tally_too(spooled, monkeypatch):
    # one group larger than a key's first positions: each status's own first ones
    monkeypatch.setattr(tally, "FIRST", 40)
    specs = [(700, (), ["fail", "missing_data", "invalid_data"], {"invalid_data": 0, "fail": 1, "missing_data": 2})]
    assert problems._tallied(spooled.store, specs)
    picked = problems.worst_many(spooled, specs)
    with monkeypatch.context() as m:
        m.setattr(problems, "TALLY", False)
        assert problems.worst_many(spooled, specs) == picked
    assert len(picked[0][()].kept) == 700


def test_the_sarif_log_is_the_same_from_the_tally(spooled, monkeypatch):
    fast, slow = _both(spooled, monkeypatch, lambda: Format.sarif.render(spooled))
    assert fast == slow and '"results"' in fast
