"""The catalogue's messages of a check: why a cell cannot be read, formula arithmetic without an
answer, statuses, result messages, warnings, run notes and the terminal table's words."""

from __future__ import annotations

CHECKS: dict[str, dict[str, str]] = {
    # cells
    "cell.not_number": {
        "zh": "第{line}行「{column}」：“{raw}”不是数字",
        "en": "line {line}, column '{column}': '{raw}' is not a number",
    },
    "cell.too_long": {
        "zh": "第{line}行「{column}」：单元格过长（{size}个字符），不是有效值",
        "en": "line {line}, column '{column}': the cell is too long ({size} characters) to be a value",
    },
    "cell.out_of_range": {
        "zh": "第{line}行「{column}」：“{raw}”超出可处理的数值范围",
        "en": "line {line}, column '{column}': '{raw}' is out of range",
    },
    "cell.not_finite": {
        "zh": "第{line}行「{column}」：“{raw}”不是有限数值",
        "en": "line {line}, column '{column}': '{raw}' is not a finite number",
    },
    "cell.bad_unit": {
        "zh": "第{line}行「{column}」：单位“{unit}”不能换算为{target}",
        "en": "line {line}, column '{column}': unit '{unit}' cannot be converted to {target}",
    },
    "cell.bad_unit_plain": {
        "zh": "第{line}行「{column}」：单位“{unit}”不能换算为无单位的数值",
        "en": "line {line}, column '{column}': unit '{unit}' cannot be converted to a plain number",
    },
    "cell.below_minimum": {
        "zh": "第{line}行「{column}」：{raw} 小于允许的最小值 {minimum}",
        "en": "line {line}, column '{column}': {raw} is below the allowed minimum {minimum}",
    },
    "cell.above_maximum": {
        "zh": "第{line}行「{column}」：{raw} 大于允许的最大值 {maximum}",
        "en": "line {line}, column '{column}': {raw} is above the allowed maximum {maximum}",
    },
    "cell.after_as_of": {
        "zh": "第{line}行「{column}」：{raw} 晚于评估日 {as_of}",
        "en": "line {line}, column '{column}': {raw} is after the day of assessment, {as_of}",
    },
    "cell.not_year": {
        "zh": "第{line}行「{column}」：{raw} 不是年份",
        "en": "line {line}, column '{column}': {raw} is not a year",
    },
    "cell.not_boolean": {
        "zh": "第{line}行「{column}」：“{raw}”不是是/否值（可用 是/否、有/无、√/×、Y/N）",
        "en": "line {line}, column '{column}': '{raw}' is not a yes/no value (use 是/否, 有/无, √/×, Y/N)",
    },
    "cell.spreadsheet_error": {
        "zh": "第{line}行「{column}」：电子表格错误值 {raw}",
        "en": "line {line}, column '{column}': spreadsheet error value {raw}",
    },
    "cell.bad_bytes": {
        "zh": "第{line}行「{column}」：含有不符合文件编码 {encoding} 的字节",
        "en": "line {line}, column '{column}': contains bytes that are not valid {encoding}",
    },
    "cell.not_date": {
        "zh": "第{line}行「{column}」：“{raw}”不是日期（可用 2022-11-22、2022/11/22、2022年11月22日）",
        "en": "line {line}, column '{column}': '{raw}' is not a date (use 2022-11-22, 2022/11/22 or 2022年11月22日)",
    },
    "cell.not_text": {
        "zh": "第{line}行「{column}」：应为文本，得到 {raw}",
        "en": "line {line}, column '{column}': expected text, got {raw}",
    },
    # formulas: arithmetic without an answer (``expr``: the part of the formula, as written)
    "formula.division_by_zero": {"zh": "除数为零（{expr} = 0），无法计算", "en": "division by zero in '{expr}' (= 0)"},
    "formula.date_out_of_range": {"zh": "日期超出范围（{expr}）", "en": "date out of range in '{expr}'"},
    # statuses
    "status.pass": {"zh": "达标", "en": "pass"},
    "status.fail": {"zh": "未达标", "en": "fail"},
    "status.not_applicable": {"zh": "不适用", "en": "not applicable"},
    "status.missing_data": {"zh": "缺少数据", "en": "missing data"},
    "status.invalid_data": {"zh": "数据无效", "en": "invalid data"},
    "status.eligible": {"zh": "符合条件", "en": "eligible"},
    "status.not_eligible": {"zh": "不符合条件", "en": "not eligible"},
    # result messages
    # one check, as a result's message shows it (``unit``: empty or a space and the unit)
    "msg.check": {"zh": "{title} = {value}{unit}（{rule}）", "en": "{title} = {value}{unit} ({rule})"},
    "msg.check_yes_no": {"zh": "{title}：{value}", "en": "{title}: {value}"},
    # a rule against a threshold computed by a formula (``threshold``: its title, ``value``: its value)
    "msg.rule_formula": {"zh": "{comparator} {threshold} {value}{unit}", "en": "{comparator} {threshold} {value}{unit}"},
    "msg.eligible": {"zh": "符合条件：{reason}", "en": "eligible: {reason}"},
    "msg.not_eligible": {"zh": "不符合条件：{reason}", "en": "not eligible: {reason}"},
    "msg.not_applicable": {"zh": "不适用（{condition} 不成立）", "en": "not applicable ({condition} is false)"},
    "msg.year_before": {
        "zh": "不适用（{year}年度早于指标施行日 {day}）",
        "en": "not applicable (the year {year} is before the indicator took effect on {day})",
    },
    "msg.year_after": {
        "zh": "不适用（{year}年度晚于指标适用期，至 {day}）",
        "en": "not applicable (the year {year} is after the indicator's period, which ends on {day})",
    },
    "msg.missing": {"zh": "缺少数据：{fields}", "en": "missing data: {fields}"},
    "msg.missing_applicability": {
        "zh": "无法判断是否适用，缺少：{fields}",
        "en": "cannot tell whether it applies; missing: {fields}",
    },
    "msg.invalid": {"zh": "数据无效：{reasons}", "en": "invalid data: {reasons}"},
    "msg.shortfall": {"zh": "，还需补足 {value}{unit}", "en": "; {value}{unit} still to be provided"},
    "msg.agg": {
        "zh": "{group}：{numerator}/{denominator} 达标，达标率 {value}%，要求 {rule}",
        "en": "{group}: {numerator}/{denominator} pass, rate {value}%, rule {rule}",
    },
    "msg.agg_unknown": {"zh": "，另有 {unknown} 条记录数据不全", "en": "; {unknown} more record(s) lack data"},
    "msg.agg_none": {"zh": "{group}：没有适用的记录", "en": "{group}: no applicable record"},
    "words.yes": {"zh": "是", "en": "yes"},
    "words.no": {"zh": "否", "en": "no"},
    "words.and": {"zh": " 且 ", "en": " and "},
    "words.or": {"zh": " 或 ", "en": " or "},
    "words.no_group": {"zh": "（未填写）", "en": "(blank)"},
    "words.sep": {"zh": "；", "en": "; "},  # between the checks a message shows
    "words.reasons_sep": {"zh": "; ", "en": "; "},  # between the reasons of invalid data
    "words.fields_sep": {"zh": "、", "en": "、"},  # between the fields a message names (missing data)
    # warnings
    "warn.default_absent": {
        "zh": "{path}：没有「{field}」列，全部记录按 {value} 处理",
        "en": "{path}: no '{field}' column; every record is taken as {value}",
    },
    "warn.unknown_columns": {
        "zh": "{path}：以下列不属于{entity}字段，未参与检查：{columns}",
        "en": "{path}: columns not used by any {entity} field: {columns}",
    },
    "warn.duplicate_id": {
        "zh": "{path}：编号 {id} 重复出现（第{lines}行）",
        "en": "{path}: record id {id} appears more than once (lines {lines})",
    },
    "warn.no_records": {"zh": "{path}：只有表头，没有数据记录", "en": "{path}: the file has a header but no records"},
    "warn.total_mismatch": {
        "zh": "{path}：第{line}行「{label}」的「{column}」填写为 {stated}，但其上 {rows} 行合计为 {computed}",
        "en": "{path}: line {line} ({label}), column '{column}': stated {stated}, but its {rows} rows add up to {computed}",
    },
    "warn.totals": {
        "zh": "{path}：{count} 行小计/合计行不作为记录检查（第{lines}行）",
        "en": "{path}: {count} subtotal/total row(s) not checked as records (lines {lines})",
    },
    "warn.skipped_footer": {
        "zh": "{path}：表尾说明行不作为记录（第{lines}行）",
        "en": "{path}: footer rows (notes, signatures) are not records (lines {lines})",
    },
    "warn.skipped_below_footer": {
        "zh": "{path}：表尾说明之后的 {count} 行不作为记录（第{lines}行）",
        "en": "{path}: {count} row(s) below the footer are not records (lines {lines})",
    },
    "warn.skipped_header_repeated": {
        "zh": "{path}：重复的表头行不作为记录（第{lines}行）",
        "en": "{path}: repeated header rows are not records (lines {lines})",
    },
    "warn.outside": {
        "zh": "{path}：表头以外的单元格未参与检查：{cells}",
        "en": "{path}: cells outside the header's columns are not read: {cells}",
    },
    "warn.unknown_districts": {
        "zh": "{path}：以下县（市、区）名称不在指标包的行政区划中，按原样使用：{names}",
        "en": "{path}: district names not in the pack's list, kept as written: {names}",
    },
    "warn.unit_assumed": {
        "zh": "{path}：「{column}」列未注明单位，按 {unit} 读取{hint}",
        "en": "{path}: column '{column}' states no unit; read as {unit}{hint}",
    },
    "warn.unit_hint": {
        "zh": "；但其数值（中位数 {median}）更像以 {likely} 填写——如是，请将表头写作「{header}（{likely}）」或使用 --unit {field}={likely}",
        "en": "; but its values (median {median}) look like {likely}: if so, write the header as '{header}（{likely}）' or use --unit {field}={likely}",
    },
    "warn.check_marks": {
        "zh": "{path}：「{column}」列填写的都是 √，{count} 个空白单元格按「否」读取",
        "en": "{path}: column '{column}' holds only check marks; its {count} blank cell(s) are read as no",
    },
    "warn.hidden": {
        "zh": "{path}：隐藏的行（{rows}）和列（{columns}）照常读取并检查",
        "en": "{path}: hidden rows ({rows}) and columns ({columns}) are read and checked like the others",
    },
    "warn.uncalculated": {
        "zh": "{path}：公式单元格没有保存计算结果，按空白读取（{cells}）；请在 Excel/WPS 中打开并保存后再检查",
        "en": "{path}: formula cells saved without their value are read as blank ({cells}); open and save the file "
        "in Excel/WPS, then check it again",
    },
    "warn.hidden_sheet": {
        "zh": "{path}：这是一个隐藏的工作表，照常检查",
        "en": "{path}: a hidden sheet, checked like the others",
    },
    "warn.skipped_sheet": {
        "zh": "{path}：工作表「{sheet}」未检查：{reason}",
        "en": "{path}: sheet '{sheet}' not checked: {reason}",
    },
    "sheet.summary": {
        "zh": "汇总表（用 --sheet 指定才检查）",
        "en": "a summary sheet (name it with --sheet to check it)",
    },
    # run notes
    "run.setting": {
        "zh": "本次运行按 --set 修改：{target} = {value}（原为 {was}）",
        "en": "changed for this run with --set: {target} = {value} (was {was})",
    },
    "run.not_in_force": {"zh": "{day} 未生效、未检查的指标：{ids}", "en": "not in force on {day}, not checked: {ids}"},
    "row.too_many_cells": {
        "zh": "第{line}行有 {cells} 个单元格，但表头只有 {width} 列",
        "en": "line {line}: {cells} cells but the header has {width} columns",
    },
    "row.not_mapping": {
        "zh": "第{line}条不是记录（应为字段名到取值的映射）",
        "en": "line {line}: not a record (expected a mapping of field names to values)",
    },
    "row.nested": {
        "zh": "第{line}行「{column}」是列表或映射，不是单个值",
        "en": "line {line}: '{column}' holds a list or mapping, not a value",
    },
}
