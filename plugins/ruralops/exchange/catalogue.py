"""docs/sources.md, generated from the contracts so the documented layouts cannot drift.

``ruralops sources`` prints it; ``make docs`` writes it; a unit test fails when the committed
file differs from what the contracts say.
"""

from __future__ import annotations

from ruralops.exchange.contracts import Contract, all_contracts

HEADER = """# Source files

Generated from `plugins/ruralops/exchange/contracts.yml` by `make docs` (`ruralops sources`);
do not edit by hand. Every file arrives as data file + control file (`.ctl`: file name, record
count, byte size, MD5, business date) + empty `.ok` flag, in `landing/<system>/<yyyymmdd>/`, and
loads into the date's partition of `raw.<system>__<entity>`: every column as text plus the lineage
columns `business_date`, `batch_id`, `source_file`, `line_number`, `loaded_at`.

| Source | File | Layout | Load | Criticality | Deadline (next morning, Shanghai) | Key |
|---|---|---|---|---|---|---|
"""


def _layout(c: Contract) -> str:
    if c.format == "delimited":
        return f"{c.encoding.upper()}, delimited by `{c.delimiter.replace('|', chr(92) + '|')}`"
    if c.format == "fixed_width":
        return f"{c.encoding.upper()}, fixed width {c.record_width} bytes"
    packed = f", {c.compression}" if c.compression else ""
    return f"{c.format.replace('_', ' ')}{packed}"


def _section(c: Contract) -> str:
    lines = [f"## {c.name}", "", c.description, ""]
    if c.dedupe_days:
        lines += [f"Repeats of `{c.key[0]}` within the file or in the previous {c.dedupe_days} "
                  "dates' files are set aside as rejects.", ""]
    width = c.format == "fixed_width"
    lines.append("| # | Column | Type | " + ("Bytes | " if width else "") + "PII | Description |")
    lines.append("|---|---|---|" + ("---|" if width else "") + "---|---|")
    for number, column in enumerate(c.columns, start=1):
        cells = [str(number), f"`{column.name}`", column.type]
        if width:
            cells.append(str(column.width))
        cells += ["yes" if column.pii else "", column.description.replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_markdown() -> str:
    contracts = list(all_contracts().values())
    rows = [f"| [{c.name}](#{c.name}) | `{c.file}` | {_layout(c)} | {c.load} | {c.criticality} | "
            f"{c.deadline or ''} | {', '.join(c.key) or '(none)'} |" for c in contracts]
    return HEADER + "\n".join(rows) + "\n\n" + "\n".join(_section(c) for c in contracts)
