"""The words of the report formats, in Chinese and English (statuses and result messages come
from ``i18n``; these are headings, column names and notes that only the formats use)."""

from __future__ import annotations

from lifeservices_cli.i18n import Lang

WORDS: dict[str, dict[str, str]] = {
    "list_sep": {"zh": "、", "en": ", "},
    "report_title": {"zh": "生活性服务业指标检查报告", "en": "Life-services indicator check"},
    "summary": {"zh": "汇总", "en": "Summary"},
    "records_n": {"zh": "记录数", "en": "Records"},
    "checks_n": {"zh": "检查项数", "en": "Checks"},
    "records_checks": {"zh": "{records} 条记录，{checks} 项检查", "en": "{records} records, {checks} checks"},
    "aggregates": {"zh": "汇总指标", "en": "Aggregates"},
    "inputs": {"zh": "输入文件", "en": "Inputs"},
    "packs": {"zh": "指标包", "en": "Indicator packs"},
    "warnings": {"zh": "提示", "en": "Warnings"},
    "by_district": {"zh": "按县（市、区）", "en": "By district"},
    "by_indicator": {"zh": "按指标", "en": "By indicator"},
    "by_department": {"zh": "按责任部门", "en": "By department"},
    "problems_by": {"zh": "问题清单（{view}）", "en": "Problems ({view})"},
    "not_listed": {"zh": "按 --results {listing}，{count} 个记录结果未列出（计数包括它们）。", "en": "{count} results of records are not listed (--results {listing}); the counts include them."},
    "no_problems": {"zh": "没有未达标、缺少数据或数据无效的结果。", "en": "No failing, missing or invalid results."},
    "district": {"zh": "县（市、区）", "en": "District"},
    "department": {"zh": "责任部门", "en": "Department"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "indicator_id": {"zh": "指标编号", "en": "Indicator id"},
    "clause": {"zh": "条款", "en": "Clause"},
    "quote": {"zh": "原文", "en": "Text of the plan"},
    "rule": {"zh": "标准", "en": "Rule"},
    "departments": {"zh": "责任部门", "en": "Departments"},
    "kind": {"zh": "类型", "en": "Kind"},
    "entity": {"zh": "对象", "en": "Entity"},
    "record": {"zh": "记录", "en": "Record"},
    "record_id": {"zh": "编号", "en": "Id"},
    "record_name": {"zh": "名称", "en": "Name"},
    "status": {"zh": "状态", "en": "Status"},
    "value": {"zh": "数值", "en": "Value"},
    "gap": {"zh": "差距", "en": "Gap"},
    "shortfall": {"zh": "还需补足", "en": "Still to provide"},
    "message": {"zh": "说明", "en": "Message"},
    "source": {"zh": "文件", "en": "File"},
    "line": {"zh": "行", "en": "Line"},
    "where": {"zh": "位置", "en": "Where"},
    "count": {"zh": "数量", "en": "Count"},
    "rate": {"zh": "达标率", "en": "Pass rate"},
    "checked": {"zh": "检查项", "en": "Checks"},
    "compliance": {"zh": "各县（市、区）达标情况", "en": "Compliance by district"},
    "breakdown": {"zh": "各指标结果", "en": "Results by indicator"},
    "results": {"zh": "检查结果", "en": "Results"},
    "clauses": {"zh": "指标与条款原文", "en": "Indicators and the text of the plan"},
    "filter": {"zh": "筛选", "en": "Filter"},
    "filter_placeholder": {"zh": "输入编号、名称、县区或说明…", "en": "Type an id, name, district or message…"},
    "all": {"zh": "全部", "en": "All"},
    "shown_of": {"zh": "显示 {shown} / {total} 条", "en": "Showing {shown} of {total}"},
    "rows_cut": {
        "zh": "共 {total} 条结果，此处列出最严重的 {shown} 条；全部结果见 CSV、Excel 或 JSON 报告。",
        "en": "{total} results; the {shown} worst are listed here. All of them: the CSV, Excel or JSON report.",
    },
    "more_problems": {
        "zh": "……另有 {count} 条未列出；全部结果见 CSV、Excel 或 JSON 报告。",
        "en": "… {count} more not listed; the CSV, Excel or JSON report has them all.",
    },
    "table_cut": {
        "zh": "共 {total} 条（{counts}），按严重程度列出前 {shown} 条；全部结果：--format csv、--format json 或 --report html=报告.html",
        "en": "{total} results ({counts}); the {shown} worst are shown. All of them: --format csv, --format json or --report html=report.html",
    },
    "group_counts": {"zh": "{group}：{counts}", "en": "{group}: {counts}"},
    "aggregate_row": {"zh": "（汇总）{group}", "en": "(aggregate) {group}"},
    "notes": {"zh": "说明", "en": "Notes"},
    "generated_by": {"zh": "由 {tool} {version} 生成", "en": "Made by {tool} {version}"},
    "none": {"zh": "无", "en": "none"},
    # sheets (Excel forbids : \\ / ? * [ ] in sheet names)
    "sheet_results": {"zh": "检查结果", "en": "Results"},
    "sheet_summary": {"zh": "汇总", "en": "Summary"},
    "sheet_districts": {"zh": "按县（市、区）", "en": "By district"},
    "sheet_continued": {
        "zh": "「{sheet}」超出 Excel 每表 {rows} 行，续写于：{parts}（工作表数）",
        "en": "'{sheet}' passes Excel's {rows} rows a sheet and goes on in: {parts} (sheets)",
    },
    "xlsx_split": {
        "zh": "lifeservices: 注意：xlsx 报告的「{sheet}」超过 Excel 每表 {rows} 行，分写于 {parts} 个工作表",
        "en": "lifeservices: note: the xlsx report's '{sheet}' passes Excel's {rows} rows a sheet: it goes on over {parts} sheets",
    },
    "sheet_problems": {"zh": "问题清单（{view}）", "en": "Problems ({view})"},
    "view.indicator": {"zh": "按指标", "en": "by indicator"},
    "view.district": {"zh": "按县（市、区）", "en": "by district"},
    "view.department": {"zh": "按责任部门", "en": "by department"},
    # CSV / Excel indicator columns
    "col_status": {"zh": "{title}：状态", "en": "{title}: status"},
    "col_value": {"zh": "{title}：数值", "en": "{title}: value"},
    "col_value_unit": {"zh": "{title}：数值（{unit}）", "en": "{title}: value ({unit})"},
    "col_rate": {"zh": "{title}：达标率（%）", "en": "{title}: pass rate (%)"},
    "col_gap": {"zh": "{title}：差距", "en": "{title}: gap"},
    "col_gap_unit": {"zh": "{title}：差距（{unit}）", "en": "{title}: gap ({unit})"},
    # JUnit / SARIF / GitHub
    "aggregates_suite": {"zh": "汇总指标：{indicator}", "en": "aggregates: {indicator}"},
    "line_no": {"zh": "第 {line} 行", "en": "line {line}"},
    "full_hint": {"zh": "用 --report json=文件 写出完整报告", "en": "write the full report with --report json=PATH"},
    "sarif_left_out": {"zh": "共 {total} 个问题，列出最重要的 {shown} 个（GitHub 代码扫描的上限），其余 {left} 个未列出；完整报告：{where}", "en": "{total} problems; the {shown} most important are listed (GitHub code scanning's limit), {left} more are not; the full report: {where}"},
    "annotations_left_out": {"zh": "另有 {errors} 个错误、{warnings} 个警告未作标注（每步最多 10 个错误和 10 个警告）；完整报告：{where}", "en": "{errors} more errors and {warnings} more warnings are not annotated (at most 10 of each per step); the full report: {where}"},
    "junit_left_out": {"zh": "本组共 {total} 个结果，列出 {shown} 个问题；其余 {left} 个（含达标）只计数；完整报告：{where}", "en": "{total} results in this suite, {shown} problems listed; the other {left} (passes included) are counted only; the full report: {where}"},
    "junit_rest": {"zh": "其余 {count} 个结果（达标、不适用等）", "en": "the other {count} results (passes, not applicable, …)"},
}


def w(key: str, lang: Lang, **params: object) -> str:
    """The word ``key`` in ``lang`` with ``params`` filled in."""
    return WORDS[key][lang].format(**params)
