"""The HTML report's style sheet and script, fixed text (no data ever goes in here), and their
hashes for the page's Content-Security-Policy: nothing else may run or load."""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { --pass: #1a7f37; --fail: #cf222e; --missing: #bf8700; --invalid: #8250df; --na: #8c959f;
  --eligible: #0969da; --not-eligible: #57606a; --line: #d0d7de; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
  "微软雅黑", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimSun", "宋体", sans-serif;
  margin: 0 auto; max-width: 1200px; padding: 1.5rem; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin-top: 2rem;
  border-bottom: 1px solid var(--line); padding-bottom: .25rem; } h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.muted { color: #57606a; } .small { font-size: .85rem; }
.cards { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; min-width: 7rem; background: #fff; }
.card b { display: block; font-size: 1.4rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.s { display: inline-block; padding: 0 .4rem; border-radius: 4px; color: #fff; white-space: nowrap; }
.s-pass { background: var(--pass); } .s-fail { background: var(--fail); }
.s-missing_data { background: var(--missing); }
.s-invalid_data { background: var(--invalid); } .s-not_applicable { background: var(--na); }
.s-eligible { background: var(--eligible); } .s-not_eligible { background: var(--not-eligible); }
svg .pass { fill: var(--pass); } svg .fail { fill: var(--fail); } svg .missing_data { fill: var(--missing); }
svg .invalid_data { fill: var(--invalid); } svg .empty { fill: var(--soft); stroke: var(--line); }
svg text { font-size: 12px; fill: #1f2328; }
.legend span { margin-right: 1rem; }
.legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .25rem; vertical-align: middle; }
.legend .pass { background: var(--pass); } .legend .fail { background: var(--fail); }
.legend .missing_data { background: var(--missing); } .legend .invalid_data { background: var(--invalid); }
.filters { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
.filters input { flex: 1 1 20rem; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; }
.filters select { padding: .3rem; border: 1px solid var(--line); border-radius: 6px; }
blockquote { margin: .5rem 0; padding: .25rem .75rem; border-left: 4px solid var(--line); background: var(--soft); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .25rem 0; }
dt { color: #57606a; } dd { margin: 0; }
ul.problems { padding-left: 1.25rem; } ul.problems li { margin: .15rem 0; }
.note { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: .4rem .6rem; }
footer { margin-top: 2rem; }
"""

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("results-table");
  if (!table) { return; }
  var query = document.getElementById("filter-text");
  var status = document.getElementById("filter-status");
  var indicator = document.getElementById("filter-indicator");
  var count = document.getElementById("filter-count");
  var template = count.getAttribute("data-template");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function apply() {
    var text = query.value.trim().toLowerCase();
    var wantStatus = status.value;
    var wantIndicator = indicator.value;
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!wantStatus || row.getAttribute("data-status") === wantStatus) &&
        (!wantIndicator || row.getAttribute("data-indicator") === wantIndicator) &&
        (!text || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = template.replace("{shown}", String(shown)).replace("{total}", String(rows.length));
  }
  query.addEventListener("input", apply);
  status.addEventListener("change", apply);
  indicator.addEventListener("change", apply);
  apply();
}());
"""


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


#: Only this page's own style and script; no network, no other script, no plugins, no forms.
CSP = (
    f"default-src 'none'; style-src '{_hash(STYLE)}'; script-src '{_hash(SCRIPT)}'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)
