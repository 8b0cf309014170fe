"""The catalogue's words of the monitoring documents (``compare``, ``trend``: ``history.*``)."""

from __future__ import annotations

_WORDS: dict[str, tuple[str, str]] = {
    "fixed": ("已整改", "fixed"),
    "regressed": ("退步", "regressed"),
    "changed": ("有变化", "changed"),
    "unchanged": ("未变", "unchanged"),
    "added": ("新增", "added"),
    "removed": ("移除", "removed"),
    "compare": ("对比", "Comparison"),
    "trend": ("趋势", "Trend"),
    "rates": ("各县（市、区）达标率", "Rates per district"),
    "changes": ("逐条变化", "Changes per record"),
    "counts": ("各县（市、区）变化条数", "Changes per district"),
    "indicator": ("指标", "indicator"),
    "group": ("县（市、区）", "district"),
    "all": ("全部", "all"),
    "before": ("之前", "before"),
    "after": ("之后", "after"),
    "change": ("变化", "change"),
    "record": ("记录", "record"),
    "period": ("时期", "period"),
    "rate": ("达标率", "rate"),
    "count": ("达标/参评", "pass/checked"),
    "previous": ("环比", "vs previous"),
    "year": ("同比", "vs a year earlier"),
    "clause": ("条款", "clause"),
    "departments": ("责任部门", "departments"),
    "unmatched": ("无法匹配的记录（无编号、无县区或重复）", "unmatched records (no id, no district, or repeated)"),
    "more": ("另有 {n} 条未列出（见 --format json 或 csv）", "{n} more not listed (see --format json or csv)"),
    "person": ("按个人信息保护，不含个人（person）记录", "person records are left out (personal information)"),
    "summary": ("合计", "Summary"),
    "generated": ("由 lifeservices-cli {v} 生成", "Made by lifeservices-cli {v}"),
    "source": ("数据来源", "Sources"),
    "none": ("（无）", "(none)"),
}

HISTORY: dict[str, dict[str, str]] = {f"history.{key}": {"zh": zh, "en": en} for key, (zh, en) in _WORDS.items()}
