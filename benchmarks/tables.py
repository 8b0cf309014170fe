"""The benchmark results as a terminal table and as Markdown (for the README)."""

from __future__ import annotations

from typing import Any

HEADERS = ("case", "rows", "input", "median s", "min s", "cpu s", "peak MiB", "× polars", "× csv floor")
GROUP_TITLES = {
    "main": "same file",
    "frictionless": "smaller file, for frictionless",
    "startup": "start-up",
}


def _ratio(value: object) -> str:
    return "—" if value is None else f"{value:.2f}"


def _cells(row: dict[str, Any]) -> list[str]:
    return [
        str(row["case"]),
        f"{row['rows']:,}",
        str(row["input"]),
        f"{row['median_s']:.3f}",
        f"{row['min_s']:.3f}",
        f"{row['cpu_s']:.3f}",
        f"{row['peak_mib']:.0f}",
        _ratio(row["vs_polars"]),
        _ratio(row["vs_floor"]),
    ]


def _machine(results: dict[str, Any]) -> str:
    m = results["machine"]
    mem = f"{m['memory_gib']} GiB" if m.get("memory_gib") else "unknown memory"
    text = f"{m['nproc']} cores ({m['cpu']}), {mem}, {m['os']} {m['arch']}"
    load = results.get("load", {})
    if load.get("before"):
        text += f"; load average before/after {load['before'][0]}/{load['after'][0]}"
    return text


def _versions(results: dict[str, Any]) -> str:
    parts = []
    for label in ("tool", "peers"):
        found = results["versions"].get(label)
        if found and "error" not in found:
            parts.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    return "; ".join(parts)


def _targets(results: dict[str, Any]) -> list[str]:
    lines = []
    for t in results["targets"]:
        verdict = "met" if t["met"] else "NOT met"
        shown = f"{t['measured']:.0f}" if t["unit"] == "MiB" else f"{t['measured']:.2f}"
        lines.append(f"{verdict}: {t['target']}: {shown} {t['unit']} (target ≤ {t['limit']} {t['unit']})")
    return lines


def _agreement(results: dict[str, Any]) -> list[str]:
    lines = []
    for a in results["agreement"]:
        if "same" in a:
            verdict = "same status counts as the tool" if a["same"] else "status counts DIFFER from the tool's"
            lines.append(f"{a['case']} at {a['rows']:,} rows: {verdict} {a['peer']}")
        elif a.get("peer") is not None:
            lines.append(f"{a['case']} at {a['rows']:,} rows: errors by type {a['peer']} (tool: {a['tool']})")
    return lines


def text(results: dict[str, Any]) -> str:
    """An aligned plain-text table with the machine, the targets and the agreement check."""
    rows = [list(HEADERS)] + [_cells(r) for r in results["cases"]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    lines = [f"{results['date']} — {_machine(results)}", _versions(results), ""]
    group = None
    for i, row in enumerate(rows):
        if i and results["cases"][i - 1]["group"] != group:
            group = results["cases"][i - 1]["group"]
            lines.append(f"-- {GROUP_TITLES.get(group, group)}")
        cells = (c.ljust(w) if j < 3 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True)))
        lines.append("  ".join(cells))
    lines += [""] + _targets(results) + _agreement(results)
    return "\n".join(lines) + "\n"


def markdown(results: dict[str, Any]) -> str:
    """The table for the README's Performance section, with the date, machine and versions."""
    lines = [
        f"Measured {results['date']} on {_machine(results)}; "
        f"median of {results['reps']} runs (start-up: more), each run a whole process "
        "(cpu s: user + system time, median); "
        f"`{results['command']}`.",
        "",
        f"Versions — {_versions(results)}.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" if i < 3 else "---:" for i in range(len(HEADERS))) + "|",
    ]
    lines += ["| " + " | ".join(_cells(r)) + " |" for r in results["cases"]]
    lines += [""] + [f"- {t}" for t in _targets(results)] + [f"- {a}" for a in _agreement(results)]
    return "\n".join(lines) + "\n"
