"""The catalogue's words of the command line's own views (``cli.*``): ``indicators list``,
``explain``, ``lint``, ``template``, ``inspect`` and the progress bar. A ``columns`` entry is a table's headers,
separated by spaces (the views split it; in ``explain.fields_columns`` a ``-`` stands for a
space within a header). Punctuation around the words is the catalogue's ``punct.*``."""

from __future__ import annotations

_WORDS: dict[str, tuple[str, str]] = {
    # indicators list
    "list.title": ("指标（{count}）", "Indicators ({count})"),
    "list.columns": ("编号 名称 对象 类型 条款 规则", "id title entity kind clause rule"),
    "list.no_coverage": ("这些指标包没有覆盖表（coverage）。", "These packs have no coverage map."),
    "list.not_checkable": (
        "方案中有记载但无法用数据核验的措施（{count}）",
        "Measures documented but not checkable ({count})",
    ),
    "list.not_checkable_columns": (
        "条款 措施 原因 部分核验 部门",
        "clause measure reason partly-checked-by departments",
    ),
    # explain
    "explain.clause": ("条款", "clause"),
    "explain.quote": ("原文", "quote"),
    "explain.entity": ("对象", "entity"),
    "explain.kind": ("类型", "kind"),
    "explain.applies_if": ("适用条件", "applies if"),
    "explain.rule_words": ("规则（原文用词）", "rule (the plan's words)"),
    "explain.rule_symbols": ("规则（符号）", "rule (symbols)"),
    "explain.formula": ("公式", "formula"),
    "explain.all": ("全部满足（且）", "all must hold (and)"),
    "explain.any": ("满足其一（或）", "any one suffices (or)"),
    "explain.aggregate": ("汇总", "aggregate"),
    "explain.shortfall": ("差额", "shortfall"),
    "explain.from": ("{start} 起", "from {start}"),
    "explain.always_in_force": ("长期有效", "always"),
    "explain.to": ("，至 {end}", " to {end}"),
    "explain.not_in_force": ("（{as_of} 不在有效期内）", " (not in force on {as_of})"),
    "explain.in_force": ("有效期", "in force"),
    "explain.always": ("始终", "always"),
    "explain.dated_rule": ("规则版本", "dated rule"),
    "explain.changed_by": ("改动来源", "changed by"),
    "explain.departments": ("责任部门", "departments"),
    "explain.note": ("说明", "note"),
    "explain.fields": ("需要的数据列", "Fields it needs"),
    "explain.fields_columns": (
        "字段 名称 类型 单位 模板表头 可识别的表头",
        "field title type unit template-header headers-recognised",
    ),
    "explain.example": ("算例（{as_of}）", "Worked example (as of {as_of})"),
    "explain.example_columns": ("记录 输入 状态 数值 差距 说明", "record inputs status value gap message"),
    "explain.aggregates": ("汇总结果", "Aggregate results"),
    "explain.aggregates_columns": ("分组 状态 数值 差距 说明", "group status value gap message"),
    # the progress bar of a large check
    "progress.checking": ("检查", "checking"),
    # lint, template
    "lint.problems": (
        "{errors} 个错误，{warnings} 个警告（{files} 个指标包）",
        "{errors} error(s), {warnings} warning(s) in {files} pack file(s)",
    ),
    "lint.clean": ("没有问题（{files} 个指标包）", "no problems in {files} pack file(s)"),
    "template.written": ("已写入 {output}（{count} 列）", "wrote {output} ({count} columns)"),
    # inspect
    "inspect.scores": (
        "（表头匹配 {fields} 个字段；其他：{others}）",
        " (the header matches {fields} fields; others: {others})",
    ),
    "inspect.header": ("表头", "header"),
    "inspect.header_rows": ("第{rows}行", "row {rows}"),
    "inspect.above_header": ("表头之上", "above the header"),
    "inspect.table_units": ("表上注明单位", "table unit"),
    "inspect.units_row": ("单位行", "units row"),
    "inspect.data_from": ("数据起始行", "data from"),
    "inspect.records": ("记录", "records"),
    "inspect.district_names": ("县（市、区）名称", "district names"),
    "inspect.merged": ("合并单元格", "merged cells"),
    "inspect.hidden": ("隐藏", "hidden"),
    "inspect.hidden_cells": ("行 {rows}；列 {columns}", "rows {rows}; columns {columns}"),
    "inspect.columns": ("列 → 字段", "columns → fields"),
    "inspect.column": ("列", "column"),
    "inspect.field": ("字段", "field"),
    "inspect.unit": ("单位", "unit"),
    "inspect.serial": ("（序号列）", "(serial number)"),
    "inspect.not_used": ("—（未使用）", "— (not used)"),
    "inspect.totals": ("小计/合计行", "subtotal/total rows"),
    "inspect.line": ("行", "line"),
    "inspect.label": ("标签", "label"),
    "inspect.stated": ("填写", "stated"),
    "inspect.computed": ("逐行合计", "rows add up to"),
    "inspect.check": ("核对", "check"),
    "inspect.differs": ("✗ 不符", "✗ differs"),
    "inspect.blanks": ("？有空值", "? blanks"),
    "inspect.skipped": ("未作为记录的行", "rows that are no record"),
    "inspect.reason": ("原因", "reason"),
    "inspect.text": ("内容", "text"),
    "inspect.sheet_skipped": ("未检查的工作表「{sheet}」：{reason}", "sheet not checked: {sheet}: {reason}"),
}

CLI: dict[str, dict[str, str]] = {f"cli.{key}": {"zh": zh, "en": en} for key, (zh, en) in _WORDS.items()}
