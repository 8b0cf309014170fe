"""JUnit XML, as Jenkins and GitLab read it: one ``<testsuite>`` per input file and indicator, one
``<testcase>`` per record (named by its id and name; the file and line are in the failure's text).

Valid against the ``junit-10.xsd`` schema Jenkins' xUnit plugin and Ant use (no ``file`` or
``line`` on ``<testcase>``, no ``skipped`` on ``<testsuites>``; see the tests). A large run (more
than ``MAX_CASES`` results) lists per suite its ``PER_SUITE`` most important problems; the rest
stand as two test cases, one failure for the problems not listed and one pass for the other
results, so the counts Jenkins and GitLab make from the test cases stay true to the problems,
and the suite's properties give every count.

``fail`` is a ``<failure>`` with the message and the clause; ``invalid_data`` and
``missing_data`` are an ``<error>`` (the check could not be made); ``not_applicable`` is
``<skipped>``; pass, eligible and not eligible pass. Each aggregate indicator is its own suite,
one testcase per district. Every value is escaped; characters XML cannot hold are shown as
``\\x1b``. No timestamps: the same input gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from lifeservices_cli.engine.results import FAIL, INVALID, MISSING, NA, AggregateResult, Result
from lifeservices_cli.i18n import Lang, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.render.common import (
    group_name,
    labelled,
    record_key,
    record_label,
    rule_text,
    value_text,
    visible,
)
from lifeservices_cli.report.model import Report


def text(value: object) -> str:
    """Element text: escaped, with characters XML 1.0 cannot hold made visible."""
    return escape(visible(str(value)))


def attr(value: object) -> str:
    """A quoted attribute value (newlines and tabs kept as character references)."""
    return quoteattr(visible(str(value)), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _detail(ind: CompiledIndicator, lang: Lang, message: str, where: str, value: str) -> str:
    spec = ind.spec
    return "\n".join(
        [
            message,
            labelled("value", value, lang),
            labelled("rule", rule_text(ind, lang), lang),
            labelled("clause", f"{spec.clause.ref} {spec.clause.quote}", lang),
            labelled("departments", w("list_sep", lang).join(spec.departments), lang),
            labelled("where", where, lang),
        ]
    )


def _outcome(status: str, message: str, detail: str) -> str:
    if status == FAIL:
        return f"<failure message={attr(message)} type={attr(status)}>{text(detail)}</failure>"
    if status in (INVALID, MISSING):
        return f"<error message={attr(message)} type={attr(status)}>{text(detail)}</error>"
    if status == NA:
        return f"<skipped message={attr(message)}/>"
    return ""


#: Above this many results, suites list their problems only (``PER_SUITE`` at most each).
MAX_CASES = 20_000
PER_SUITE = 1_000


def _testcase(r: Result, ind: CompiledIndicator, lang: Lang) -> str:
    known = r.record_id or record_key(r)  # what identifies the record; else its line tells it apart
    name = record_label(r) if known else f"{record_label(r)} ({w('line_no', lang, line=r.line)})"
    where = f"{r.source}:{r.line}"
    value = value_text(r.value, r.unit, lang, r.threshold)
    outcome = _outcome(r.status, r.message, _detail(ind, lang, r.message, where, value))
    head = f"<testcase name={attr(name)} classname={attr(ind.id)}"
    return f"    {head}>{outcome}</testcase>" if outcome else f"    {head}/>"


def _aggregate_case(a: AggregateResult, ind: CompiledIndicator, lang: Lang) -> str:
    group = group_name(a.group, lang)
    rate = f"{value_text(a.value, '%', lang, a.threshold)} ({a.numerator}/{a.denominator})"
    outcome = _outcome(a.status, a.message, _detail(ind, lang, a.message, group, rate))
    head = f"<testcase name={attr(group)} classname={attr(ind.id)}"
    return f"    {head}>{outcome}</testcase>" if outcome else f"    {head}/>"


def _suite(
    name: str,
    ind: CompiledIndicator,
    counts: Counter[str],
    cases: list[str],
    lang: Lang,
    extra: Sequence[tuple[str, str]] = (),
    note: str = "",
) -> str:
    spec = ind.spec
    props = [
        ("indicator", ind.id),
        ("title", spec.title.get(lang)),
        ("clause", spec.clause.ref),
        ("departments", w("list_sep", lang).join(spec.departments)),
        *extra,
    ]
    head = (
        f'  <testsuite name={attr(name)} tests="{counts["tests"]}" failures="{counts[FAIL]}"'
        f' errors="{counts[INVALID] + counts[MISSING]}" skipped="{counts[NA]}">'
    )
    properties = "".join(f"      <property name={attr(k)} value={attr(v)}/>\n" for k, v in props)
    body = "".join(f"{case}\n" for case in cases)
    if note:
        body += f"    <system-out>{text(note)}</system-out>\n"
    return f"{head}\n    <properties>\n{properties}    </properties>\n{body}  </testsuite>\n"


def render(report: Report, full_report: str | None = None) -> str:
    """The JUnit XML document."""
    lang = report.lang
    indicators = {ind.id: ind for ind in report.packset.indicators}
    suites: list[str] = []
    total: Counter[str] = Counter()
    if report.store.total <= MAX_CASES and report.listed is None:
        cases: dict[tuple[str, str], list[str]] = {}  # rendered testcases, not results: the output itself
        counts: dict[tuple[str, str], Counter[str]] = {}
        for r in report.iter_results():
            key = (r.source, r.indicator)
            if key not in cases:
                cases[key], counts[key] = [], Counter()
            cases[key].append(_testcase(r, indicators[r.indicator], lang))
            counts[key].update(("tests", r.status))
        for key in cases:  # input order: file by file, each file's indicators in pack order
            path, ind_id = key
            suites.append(_suite(f"{path}: {ind_id}", indicators[ind_id], counts[key], cases[key], lang))
            total.update(counts[key])
    else:
        # a large run, or --results problems|none: the problems listed, the rest counted in summary cases
        limit = PER_SUITE if report.store.total > MAX_CASES else MAX_CASES
        suites += _large_suites(report, indicators, lang, total, full_report, 0 if report.listing == "none" else limit)
    for ind_id in dict.fromkeys(a.indicator for a in report.aggregates):
        ind = indicators[ind_id]
        mine = [a for a in report.aggregates if a.indicator == ind_id]
        agg_counts = Counter(["tests"] * len(mine) + [a.status for a in mine])
        agg_cases = [_aggregate_case(a, ind, lang) for a in mine]
        suites.append(_suite(w("aggregates_suite", lang, indicator=ind_id), ind, agg_counts, agg_cases, lang))
        total.update(agg_counts)
    head = (
        f'<testsuites name="lifeservices-cli" tests="{total["tests"]}" failures="{total[FAIL]}"'
        f' errors="{total[INVALID] + total[MISSING]}">'
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n{"".join(suites)}</testsuites>\n'


def _large_suites(
    report: Report,
    indicators: dict[str, CompiledIndicator],
    lang: Lang,
    total: Counter[str],
    full_report: str | None,
    limit: int = PER_SUITE,
) -> list[str]:
    """Suites that list at most ``limit`` of their most important problems; the rest are two summary cases."""
    from lifeservices_cli.render.common import PROBLEMS
    from lifeservices_cli.render.problems import worst_many

    by = ("source", "indicator")
    # one pass over the results: the counts of every status (nothing kept), and the worst problems
    counted, picked = worst_many(report, [(0, by, None, None), (limit, by, PROBLEMS, None)])
    everything = {key: group.worst(0) for key, group in counted.items()}
    problems = {key: group.worst(limit) for key, group in picked.items()}
    suites = []
    for key, all_of in everything.items():
        path, ind_id = key
        ind = indicators[ind_id]
        kept = problems.get(key)
        listed = kept.items() if kept else []
        cases = [_testcase(r, ind, lang) for r in listed]
        counts: Counter[str] = Counter(tests=len(listed))
        counts.update(r.status for r in listed)
        unlisted = sum(all_of.counts[s] for s in PROBLEMS) - len(listed)
        rest = all_of.total - len(listed) - unlisted
        where = full_report or w("full_hint", lang)
        shown, left = len(listed), all_of.total - len(listed)
        note = w("junit_left_out", lang, total=all_of.total, shown=shown, left=left, where=where)
        if unlisted:
            message = w("junit_left_out", lang, total=all_of.total, shown=len(listed), left=unlisted, where=where)
            cases.append(
                f"    <testcase name={attr(f'… {unlisted}')} classname={attr(ind_id)}>"
                f"<failure message={attr(message)} type=\"fail\">{text(message)}</failure></testcase>"
            )
            counts.update({"tests": 1, FAIL: 1})
        if rest:
            cases.append(f"    <testcase name={attr(w('junit_rest', lang, count=rest))} classname={attr(ind_id)}/>")
            counts["tests"] += 1
        extra = [("results", str(all_of.total)), *((s, str(n)) for s, n in sorted(all_of.counts.items()))]
        suites.append(_suite(f"{path}: {ind_id}", ind, counts, cases, lang, extra, note))
        total.update(counts)
    return suites
