"""The catalogue's shared punctuation and words: ``punct.*`` (what differs between the languages
around the words: a colon, a comma, brackets), ``lang.*`` (the language tags the formats
declare) and ``authoring.*`` (the words of the template and worked-example generators; the
shared ``words.yes`` and ``words.no`` are the checks' part). A view composes a line from these
and its own keys, so no module chooses punctuation by ``lang == "zh"``."""

from __future__ import annotations

_WORDS: dict[str, tuple[str, str]] = {
    # punctuation: full-width in Chinese, ASCII with its space in English
    "punct.colon": ("：", ": "),
    "punct.comma": ("，", ", "),
    "punct.semicolon": ("；", "; "),
    "punct.labelled": ("{label}：{text}", "{label}: {text}"),
    "punct.paren": ("（{text}）", " ({text})"),
    # language tags: HTML's lang attribute, SARIF's run language (BCP 47)
    "lang.html": ("zh-CN", "en"),
    "lang.sarif": ("zh-CN", "en-US"),
    # authoring: the template workbook and the worked example
    "authoring.sheet_title": ("{name}统计表", "{name} statistics"),
    "authoring.reporting_unit": ("填报单位：", "Reporting unit:"),
    "authoring.reporting_date": ("填报日期：", "Date:"),
    "authoring.serial": ("序号", "No."),
    "authoring.aggregate_rule": ("按 {by} 统计 {of} 的达标率 {rule}", "pass rate of {of} by {by} {rule}"),
    "authoring.example_text": ("示例", "example"),
    "authoring.group_a": ("甲区", "District A"),
    "authoring.group_b": ("乙区", "District B"),
}

WORDS: dict[str, dict[str, str]] = {key: {"zh": zh, "en": en} for key, (zh, en) in _WORDS.items()}
