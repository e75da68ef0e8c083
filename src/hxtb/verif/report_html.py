"""The self-contained HTML summary of a ``make regress`` or ``make mutate`` run (``report.html``
beside the run's outputs): the jobs (status, seconds, seed, host, the command that reproduces
each, a link to its log), the functional coverage per item and bin, and the mutation table.
One file, inline CSS, no script and nothing fetched; links are relative (``logs/<job>.log``),
so the run's directory can be copied or archived as a whole.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hxsim.outputs import write_text_atomic

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#eee}
td.num{text-align:right}
code{font-size:90%;word-break:break-all}
.PASS,.CAUGHT,.PASSES,.hit{background:#dfd}
.FAIL,.HANG,.CRASH,.LOST,.ERROR,.SURVIVED,.FAILS,.miss{background:#fdd}
.INVALID,.BUILD{background:#ffd}
"""


def _e(x: object) -> str:
    return html.escape(str(x), quote=True)


def _table(tid: str, head: list[str] | None, rows: list[list[str]]) -> str:
    """A table (``head`` None: no header row); cells are HTML already (escape with ``_e``)."""
    out = [f'<table id="{tid}">' + ("<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head)
                                    + "</tr></thead>" if head else "") + "<tbody>"]
    for r in rows:
        out.append("<tr>" + "".join(r) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _status_td(status: str) -> str:
    return f'<td class="status {_e(status.split()[0])}">{_e(status)}</td>'


def render(title: str, summary: Mapping[str, Any], coverage: Mapping[str, Any] | None,
           mutation: Mapping[str, Any] | None) -> str:
    """The page. ``summary``: summary.json's content (``jobs``: records with id, sim, status,
    seconds, seed, host, reproduce, log, detail, failed_reproduce); ``coverage``:
    coverage.json's (``items``: item -> bin -> hits); ``mutation``: the mutation table
    (``rows``: name, file, what, result, by)."""
    jobs = list(summary.get("jobs", []))
    n_pass = sum(1 for j in jobs if j["status"] in ("PASS", "CAUGHT", "PASSES", "SURVIVED"))
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}"
             f"</title><style>{_CSS}</style></head><body>", f"<h1>{_e(title)}</h1>"]
    meta = [("seed", summary.get("seed")), ("where", summary.get("where")),
            ("wall time", f"{summary.get('wall_seconds')} s"),
            ("jobs", f"{len(jobs)} ({n_pass} finished as expected)")]
    if coverage is not None:
        meta.append(("coverage", f"{coverage['percent']:.1f} % ({coverage['bins_hit']}/"
                                 f"{coverage['bins_total']} bins; required "
                                 f"{summary.get('require', 0):.0f} %)"))
    if mutation is not None:
        meta.append(("mutation score", f"{mutation['score']:.1f} % ({mutation['caught']}/"
                                       f"{mutation['valid']})"))
    parts.append(_table("meta", None, [[f"<th>{_e(k)}</th>", f"<td>{_e(v)}</td>"]
                                           for k, v in meta]))
    parts.append("<h2>Jobs</h2>")
    rows = []
    for j in jobs:
        detail = j.get("detail") or ", ".join(j.get("failed", []))
        repro = "<br>".join(f"<code>{_e(c)}</code>" for c in
                            (list(j.get("failed_reproduce", {}).values()) or [j["reproduce"]]))
        rows.append([f"<td>{_e(j['id'])}</td>", f"<td>{_e(j.get('sim', ''))}</td>",
                     _status_td(j["status"]), f'<td class="num">{_e(j["seconds"])}</td>',
                     f'<td class="num">{_e(j["seed"])}</td>', f"<td>{_e(j.get('host', ''))}</td>",
                     f"<td>{repro}</td>", f"<td>{_e(detail)}</td>",
                     f'<td><a href="{_e(j["log"])}">log</a></td>'])
    parts.append(_table("jobs", ["job", "simulator", "status", "seconds", "seed", "host",
                                 "reproduce", "detail", "log"], rows))
    if coverage is not None:
        parts.append("<h2>Functional coverage</h2>")
        rows = []
        for item in sorted(coverage["items"]):
            for b, hits in coverage["items"][item].items():
                cls = "hit" if hits > 0 else "miss"
                rows.append([f"<td>{_e(item)}</td>", f"<td>{_e(b)}</td>",
                             f'<td class="num {cls}">{_e(hits)}</td>'])
        parts.append(_table("coverage", ["cover item", "bin", "hits"], rows))
    if mutation is not None:
        parts.append("<h2>Mutations</h2>")
        rows = [[f"<td>{_e(r['name'])}</td>", f"<td>{_e(r['file'])}</td>",
                 f"<td>{_e(r['what'])}</td>", _status_td(r["result"]),
                 f"<td>{_e(r['by'])}</td>"] for r in mutation["rows"]]
        parts.append(_table("mutations", ["mutation", "file", "what", "result",
                                          "caught by"], rows))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write(path: Path, title: str, summary: Mapping[str, Any],
          coverage: Mapping[str, Any] | None, mutation: Mapping[str, Any] | None) -> Path:
    """Render and write the page atomically; returns ``path``."""
    return write_text_atomic(path, render(title, summary, coverage, mutation))
