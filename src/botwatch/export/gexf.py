"""GEXF 1.3 for Gephi: the account network of one run.

Nodes are accounts (every edge end, campaign member and flagged account); edges are one per account pair *and*
layer, so a pair that co-replied and shared a template has two parallel edges with ``kind`` = the layer. The
file declares ``timeformat="dateTime"`` and ``timezone="UTC"`` and writes every time as ISO 8601 with ``Z``
(Gephi loses zones otherwise). The graph is static: edge times are attributes, not spells.

Every string is attacker-controlled: characters that XML 1.0 forbids are dropped and the rest escaped, so the
file is well-formed whatever the data. It validates against the GEXF 1.3 schema and reads with
``networkx.read_gexf``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa

from botwatch._version import __version__
from botwatch.export.tables import iso_z

GEXF_NS = "http://gexf.net/1.3"

# (title, GEXF type, column); ids are the titles.
NODE_ATTRIBUTES = [
    ("platform", "string", "platform"),
    ("account_id", "string", "account_id"),
    ("handle", "string", "handle"),
    ("display_name", "string", "display_name"),
    ("score", "double", "score"),
    ("flagged", "boolean", "flagged"),
    ("campaign_id", "string", "campaign_id"),
    ("n_items", "long", "n_items"),
]
EDGE_ATTRIBUTES = [
    ("layer", "string", "layer"),
    ("events", "long", "weight"),
    ("p_value", "double", "p_value"),
    ("q_value", "double", "q_value"),
    ("significant", "boolean", "significant"),
    ("expected", "double", "expected"),
    ("window_s", "double", "window_s"),
    ("a_leads", "long", "a_leads"),
    ("b_leads", "long", "b_leads"),
    ("median_lag_s", "double", "median_lag_s"),
    ("first_at", "string", "first_at"),
    ("last_at", "string", "last_at"),
    ("n_evidence", "long", "evidence_item_ids"),
]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
_ESCAPE_RE = re.compile('[&<>"\t\n\r]')


def xml_attr(value: str) -> str:
    """``value`` made safe inside a double-quoted XML attribute: forbidden characters dropped, the rest escaped
    (tabs and newlines as character references so they survive attribute normalisation)."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], _NOT_XML.sub("", value))


def _format(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else repr(value)
    if isinstance(value, dt.datetime):
        return iso_z(value)
    if isinstance(value, list):
        return str(len(value))
    return str(value)


def _attributes(cls: str, spec) -> list[str]:
    lines = [f'    <attributes class="{cls}">']
    for title, typ, _ in spec:
        lines.append(f'      <attribute id="{title}" title="{title}" type="{typ}"/>')
    lines.append("    </attributes>")
    return lines


def _attvalues(row: dict, spec, indent: str) -> list[str]:
    values = []
    for title, _, column in spec:
        text = _format(row.get(column))
        if text is not None:
            values.append(f'{indent}  <attvalue for="{title}" value="{xml_attr(text)}"/>')
    if not values:
        return []
    return [f"{indent}<attvalues>", *values, f"{indent}</attvalues>"]


def node_id(platform: str | None, account_id: str) -> str:
    return f"{platform or ''}:{account_id}"


def write_gexf(
    nodes: Iterable[pa.RecordBatch],
    edges: Iterable[pa.RecordBatch],
    path: Path,
    *,
    description: str,
    date: dt.date,
) -> None:
    """Stream ``nodes`` (accounts) and ``edges`` (pair x layer rows) into a GEXF 1.3 file at ``path``."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        fh.write(f'<gexf xmlns="{GEXF_NS}" version="1.3">\n')
        fh.write(f'  <meta lastmodifieddate="{date.isoformat()}">\n')
        fh.write(f"    <creator>botwatch {xml_attr(__version__)}</creator>\n")
        fh.write(f"    <description>{xml_attr(description)}</description>\n")
        fh.write("  </meta>\n")
        fh.write(
            '  <graph defaultedgetype="undirected" mode="static" timeformat="dateTime" timezone="UTC">\n'
        )
        fh.write(
            "\n".join(_attributes("node", NODE_ATTRIBUTES) + _attributes("edge", EDGE_ATTRIBUTES)) + "\n"
        )
        fh.write("    <nodes>\n")
        for batch in nodes:
            for row in batch.to_pylist():
                nid = xml_attr(node_id(row["platform"], row["account_id"]))
                label = xml_attr(row.get("handle") or row["account_id"])
                lines = [f'      <node id="{nid}" label="{label}">']
                lines += _attvalues(row, NODE_ATTRIBUTES, "        ")
                lines.append("      </node>")
                fh.write("\n".join(lines) + "\n")
        fh.write("    </nodes>\n")
        fh.write("    <edges>\n")
        n = 0
        for batch in edges:
            for row in batch.to_pylist():
                source = xml_attr(node_id(row["platform"], row["account_a"]))
                target = xml_attr(node_id(row["platform"], row["account_b"]))
                layer = xml_attr(row.get("layer") or "")
                weight = _format(float(row["weight"])) if row.get("weight") is not None else None
                head = f'      <edge id="e{n}" source="{source}" target="{target}" kind="{layer}" label="{layer}"'
                if weight is not None:
                    head += f' weight="{weight}"'
                lines = [head + ">", *_attvalues(row, EDGE_ATTRIBUTES, "        "), "      </edge>"]
                fh.write("\n".join(lines) + "\n")
                n += 1
        fh.write("    </edges>\n")
        fh.write("  </graph>\n")
        fh.write("</gexf>\n")
