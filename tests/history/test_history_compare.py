"""``compare``: every change kind, rates, the JSON contract, every format, reports of schema 1
and 2, different packs, ``--fail-on regressed``, ``--public`` (never a person), and
``check --baseline``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from history_helpers import ROOT, as_json, period_files, save_all, save_period

HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
OLD = [
    "A-1,甲社区,洮北区,是,是,1000,520",  # pass, pass
    "A-2,乙社区,洮北区,是,是,1000,480",  # fail, pass
    "A-3,丙社区,洮南市,否,是,1000,400",  # n/a, pass -> removed
    "A-4,丁社区,洮南市,否,是,1000,",  # n/a, missing
    "A-6,戊社区,洮南市,是,是,1000,600",  # pass -> not applicable: changed
    "A-7,庚社区,洮南市,是,是,1000,450",  # fail in both: unchanged, and known to a baseline
    ",无编号,,否,是,1000,300",  # no key
]
NEW = [
    "A-1,甲社区,洮北区,是,是,1000,480",  # regressed, pass
    "A-2,乙社区,洮北区,是,是,1000,600",  # fixed
    "A-4,丁社区,洮南市,否,是,1000,abc",  # missing -> invalid: changed
    "A-5,己社区,洮南市,否,是,1000,350",  # added
    "A-6,戊社区,洮南市,否,是,1000,600",
    "A-7,庚社区,洮南市,是,是,1000,450",
    ",无编号,,否,是,1000,300",
]


def _report(cli, tmp_path: Path, name: str, rows: list[str], *extra: str) -> Path:
    data = tmp_path / f"{name}.csv"
    data.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    out = tmp_path / f"{name}.json"
    result = cli("check", str(data), "--format", "json", "--output", str(out), "--fail-on", "never",
                 "--as-of", "2024-06-30", *extra)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def reports(cli, tmp_path) -> tuple[Path, Path]:
    return _report(cli, tmp_path, "old", OLD), _report(cli, tmp_path, "new", NEW)


def _changes(doc: dict) -> dict[tuple[str | None, str], str]:
    return {(c["record_id"], c["indicator"]): c["change"] for c in doc["changes"]}


AREA, PER100 = "new-community-facility-area", "facility-area-per-100-households"


def test_every_kind_of_change(cli, reports):
    old, new = reports
    doc = as_json(cli("compare", str(old), str(new), "--format", "json"))
    changes = _changes(doc)
    assert changes[("A-1", AREA)] == "regressed"
    assert changes[("A-1", PER100)] == "unchanged"
    assert changes[("A-2", AREA)] == "fixed"
    assert changes[("A-3", PER100)] == "removed"
    assert changes[("A-4", PER100)] == "changed"  # missing_data -> invalid_data: both problems
    assert changes[("A-5", PER100)] == "added"
    assert changes[("A-6", AREA)] == "changed"  # pass -> not_applicable
    assert all(rid is not None for rid, _ in changes)  # the record without a key is never matched…
    assert doc["unmatched"] == {"old": 2, "new": 2}  # … but counted
    assert doc["summary"] == {
        "fixed": 1, "regressed": 1, "changed": 2, "unchanged": 6, "added": 2, "removed": 2,
    }
    first = next(c for c in doc["changes"] if c["record_id"] == "A-1" and c["indicator"] == AREA)
    assert first == {"record_id": "A-1", "record_name": "甲社区", "district": "洮北区", "indicator": AREA,
                     "before": "pass", "after": "fail", "change": "regressed"}


def test_rates_per_district(cli, reports):
    doc = as_json(cli("compare", *map(str, reports), "--format", "json"))
    rates = {(a["indicator"], a["group"]): a for a in doc["aggregates"]}
    area = rates[(AREA, "洮北区")]
    assert set(area) >= {"indicator", "group", "before", "after", "change"}
    assert (area["before"], area["after"], area["change"]) == (50.0, 50.0, 0.0)  # A-1 fails, A-2 passes
    whole = rates[(AREA, None)]  # all districts
    assert (whole["before_numerator"], whole["before_denominator"]) == (2, 4)


def test_fail_on_regressed(cli, reports):
    old, new = map(str, reports)
    assert cli("compare", old, new).exit_code == 0
    assert cli("compare", old, new, "--fail-on", "regressed").exit_code == 1
    assert cli("compare", old, old, "--fail-on", "regressed").exit_code == 0


def test_formats(cli, reports, tmp_path):
    old, new = map(str, reports)
    table = cli("compare", old, new)
    assert table.exit_code == 0
    assert "退步" in table.stdout and "A-1 甲社区" in table.stdout
    md = cli("compare", old, new, "--format", "markdown", "--lang", "en").stdout
    assert md.startswith("# Comparison: old.json → new.json")
    assert "| A-1 甲社区 |" in md.replace("\\", "") or "A-1 甲社区" in md
    assert "## clause" in md
    html = cli("compare", old, new, "--format", "html").stdout
    assert html.startswith("<!DOCTYPE html>") and 'class="regressed"' in html
    out = tmp_path / "c.csv"
    result = cli("compare", old, new, "--format", "csv", "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 14
    assert {"record_id": "A-2", "change": "fixed"}.items() <= next(
        r for r in rows if r["record_id"] == "A-2" and r["indicator"] == AREA).items()


def test_hostile_names_stay_text(cli, tmp_path):
    old = _report(cli, tmp_path, "old", ['H-1,=HYPERLINK("x"),<script>alert(1)</script>,是,是,1000,480'])
    new = _report(cli, tmp_path, "new", ['H-1,=HYPERLINK("x"),<script>alert(1)</script>,是,是,1000,520'])
    html = cli("compare", str(old), str(new), "--format", "html").stdout
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = cli("compare", str(old), str(new), "--format", "markdown").stdout
    assert "<script>" not in md
    out = tmp_path / "c.csv"
    cli("compare", str(old), str(new), "--format", "csv", "--output", str(out))
    assert "'=HYPERLINK" in out.read_bytes().decode("utf-8-sig")
    table = cli("compare", str(old), str(new), env={"COLUMNS": "300"}).stdout
    assert "\x1b" not in table


def _schema_1(path: Path) -> Path:
    """Today's report (schema 2) as schema 1 wrote it: comparator, unit, clause and departments on
    every result; indicators with only id, title, entity, kind, clause and departments."""
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == 2
    info = {i["id"]: i for i in data["indicators"]}
    data["schema_version"] = 1
    data["indicators"] = [{k: i[k] for k in ("id", "title", "entity", "kind", "clause", "departments")}
                          for i in data["indicators"]]
    keep = ("source", "line", "record_id", "record_name", "district", "indicator", "status", "value", "threshold")
    data["results"] = [
        {**{k: r[k] for k in keep}, "comparator": info[r["indicator"]]["comparator"],
         "unit": info[r["indicator"]]["unit"], "gap": r["gap"], "shortfall": r["shortfall"],
         "clause": info[r["indicator"]]["clause"]["ref"], "departments": info[r["indicator"]]["departments"],
         "message": r["message"]}
        for r in data["results"]
    ]
    out = path.with_name(path.stem + "-v1.json")
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def _without_entities(path: Path) -> Path:
    """A schema-2 report whose indicators[] leave the entity out: it comes from the inputs then."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for ind in data["indicators"]:
        ind.pop("entity", None)
    out = path.with_name(path.stem + "-no-entity.json")
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def test_reports_of_schema_1_and_2_compare_alike(cli, reports):
    old, new = reports
    assert json.loads(old.read_text(encoding="utf-8"))["schema_version"] == 2
    v2 = as_json(cli("compare", str(old), str(new), "--format", "json"))
    v1 = as_json(cli("compare", str(_schema_1(old)), str(_schema_1(new)), "--format", "json"))
    mixed = as_json(cli("compare", str(_schema_1(old)), str(_without_entities(new)), "--format", "json"))
    assert v1["changes"] == v2["changes"] == mixed["changes"]
    assert v1["summary"] == v2["summary"] == mixed["summary"]
    assert v1["aggregates"] == v2["aggregates"]


def test_bad_references(cli, tmp_path, reports):
    old, _ = reports
    missing = cli("compare", str(old), str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "no such report file" in missing.stderr
    (tmp_path / "v9.json").write_text('{"schema_version": 9}', encoding="utf-8")
    newer = cli("compare", str(old), str(tmp_path / "v9.json"))
    assert newer.exit_code == 2 and "schema_version 9" in newer.stderr
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    assert cli("compare", str(old), str(tmp_path / "bad.json")).exit_code == 2
    store = save_all(cli, str(tmp_path / "h.sqlite"))
    unknown = cli("compare", "2022", "1999", "--history", store)
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().startswith("lifeservices: error: no run or period '1999'")


def test_reports_of_different_packs_are_refused(cli, tmp_path, reports):
    old, new = reports
    data = json.loads(new.read_text(encoding="utf-8"))
    data["packs"][0]["id"] = "another-pack"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused = cli("compare", str(old), str(other))
    assert refused.exit_code == 2
    assert refused.stderr.strip() == (
        "lifeservices: error: old.json and other.json are checks against different packs: "
        "only old.json has baicheng-2022-323; only other.json has another-pack"
    )


def test_runs_periods_and_files_mix(cli, tmp_path):
    store = str(tmp_path / "h.sqlite")
    save_period(cli, store, "2022")
    report = tmp_path / "2023.json"
    result = cli("check", *period_files("2023"), "--as-of", "2023-12-31", "--format", "json", "--output",
                 str(report), "--fail-on", "never")
    assert result.exit_code == 0
    by_label = as_json(cli("compare", "2022", str(report), "--format", "json", "--history", store))
    by_id = as_json(cli("compare", "run:1", str(report), "--format", "json", "--history", store))
    assert by_label["changes"] == by_id["changes"]
    assert by_label["summary"]["fixed"] == 11 and by_label["summary"]["regressed"] == 3
    # district rows (no id) are matched by district across years
    health = [c for c in by_label["changes"] if c["indicator"] == "basic-public-health-categories"]
    assert {c["district"]: c["change"] for c in health}["大安市"] == "fixed"


def test_an_ambiguous_reference(cli, tmp_path):
    store = str(tmp_path / "h.sqlite")
    save_period(cli, store, "2022", label="2")  # period "2" is run 1
    save_period(cli, store, "2023")  # run 2
    result = cli("compare", "2", "2023", "--history", store)
    assert result.exit_code == 2
    assert "is both run 2 and the period 2 (run 1); say run:2 or period:2" in result.stderr
    assert cli("compare", "period:2", "run:2", "--history", store).exit_code == 0


# --------------------------------------------------------------------------- --public


PERSON_TEXT = ("P-01", "王小明", "李桂兰", "1958-11-02", "2019-03-15")


def _with_persons(cli, tmp_path: Path) -> tuple[str, str]:
    out = []
    for name, period in (("old", "2022"), ("new", "2023")):
        path = tmp_path / f"{name}.json"
        result = cli("check", *period_files(period), str(ROOT / "examples/persons.csv"), "--as-of",
                     f"{period}-12-31", "--format", "json", "--output", str(path), "--fail-on", "never")
        assert result.exit_code == 0, result.output
        out.append(str(path))
    return out[0], out[1]


def test_public_outputs_never_show_a_person(cli, tmp_path):
    old, new = _with_persons(cli, tmp_path)
    private = cli("compare", old, new, "--format", "json").stdout
    assert "P-01" in private  # the planner's own view has them
    for fmt in ("table", "json", "markdown", "html", "csv"):
        for extra in ([], ["--names"]):
            out = tmp_path / f"public.{fmt}"
            result = cli("compare", old, new, "--public", "--format", fmt, "--output", str(out), *extra)
            assert result.exit_code == 0, result.output
            text = out.read_bytes().decode("utf-8-sig")
            for secret in PERSON_TEXT:
                assert secret not in text, (fmt, extra, secret)
            assert "family-doctor-priority-group" not in text


def test_public_shows_no_record_below_the_district_unless_asked(cli, tmp_path):
    old, new = _with_persons(cli, tmp_path)
    doc = as_json(cli("compare", old, new, "--public", "--format", "json"))
    assert doc["public"] is True and "changes" not in doc
    text = json.dumps(doc, ensure_ascii=False)
    assert "TB-003" not in text and "海明社区" not in text
    counts = {(d["indicator"], d["district"]): d for d in doc["districts"]}
    assert counts[(AREA, "洮北区")]["fixed"] == 1
    clauses = {i["id"]: i for i in doc["indicators"]}
    assert clauses[AREA]["clause"] == "二(二)4" and clauses[AREA]["departments"]
    named = as_json(cli("compare", old, new, "--public", "--names", "--format", "json"))
    assert any(c["record_id"] == "TB-003" for c in named["changes"])
    assert all(not (c["record_id"] or "").startswith("P-") for c in named["changes"])
    md = cli("compare", old, new, "--public", "--format", "markdown").stdout
    assert "市民政局" in md and "二(二)4" in md  # the bulletin cites clause and departments


# --------------------------------------------------------------------------- check --baseline


def test_baseline_counts_known_problems_and_fails_only_on_new_ones(cli, tmp_path):
    base = _report(cli, tmp_path, "base", OLD)
    same = tmp_path / "same.csv"
    same.write_text("\n".join([HEADER, *OLD]) + "\n", encoding="utf-8")
    result = cli("check", str(same), "--as-of", "2024-06-30", "--baseline", str(base), "--format", "json")
    assert result.exit_code == 0, result.output  # every problem is known
    summary = json.loads(result.stdout)["summary"]
    assert summary["baseline"] == {"baseline": "base.json", "known": 3, "new": 0}
    assert "3 known problems (not counted), 0 new" in result.stderr
    assert cli("check", str(same), "--as-of", "2024-06-30").exit_code == 1  # without the baseline: fails

    newer = tmp_path / "newer.csv"
    newer.write_text("\n".join([HEADER, *NEW]) + "\n", encoding="utf-8")
    result = cli("check", str(newer), "--as-of", "2024-06-30", "--baseline", str(base), "--format", "json")
    assert result.exit_code == 1
    counted = json.loads(result.stdout)["summary"]["baseline"]
    # new: A-1's area fails, A-4 is invalid (it was missing: another status); known: A-7 still fails
    assert (counted["known"], counted["new"]) == (1, 2)
    assert "1 known problem (not counted), 2 new" in result.stderr
    assert "  new: A-1 甲社区 new-community-facility-area fail" in result.stderr
    assert "  new: A-4 丁社区 facility-area-per-100-households invalid_data" in result.stderr


def test_baseline_from_a_saved_run_and_fail_on(cli, tmp_path):
    store = str(tmp_path / "h.sqlite")
    save_period(cli, store, "2022")
    again = cli("check", *period_files("2022"), "--as-of", "2022-12-31", "--baseline", "2022", "--history", store)
    assert again.exit_code == 0, again.output
    later = cli("check", *period_files("2023"), "--as-of", "2023-12-31", "--baseline", "2022", "--history", store)
    assert later.exit_code == 1  # 2023 has two regressions
    assert "baseline run 1 (2022): " in later.stderr
    never = cli("check", *period_files("2023"), "--as-of", "2023-12-31", "--baseline", "2022", "--history", store,
                "--fail-on", "never")
    assert never.exit_code == 0
    unknown = cli("check", *period_files("2023"), "--baseline", "1999", "--history", store)
    assert unknown.exit_code == 2 and "no run or period '1999'" in unknown.stderr
