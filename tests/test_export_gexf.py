"""GEXF export: valid against the GEXF 1.3 schema, readable by networkx, hostile strings made safe."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from botwatch import __version__
from botwatch.export import export
from botwatch.export.gexf import xml_attr

etree = pytest.importorskip("lxml.etree")

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = FIXTURES / "gexf-schema" / "gexf.rng"


@pytest.fixture(scope="module")
def gexf_path(tmp_path_factory, export_case) -> Path:
    return export(export_case, "edges", "gexf", tmp_path_factory.mktemp("gexf") / "network.gexf")


@pytest.fixture(scope="module")
def schema():
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def test_validates_against_gexf_1_3_schema(gexf_path, schema):
    document = etree.parse(str(gexf_path))
    assert schema.validate(document), schema.error_log
    root = document.getroot()
    assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
    graph = root.find("{http://gexf.net/1.3}graph")
    assert graph.get("timeformat") == "dateTime" and graph.get("timezone") == "UTC"
    meta = root.find("{http://gexf.net/1.3}meta")
    assert meta.findtext("{http://gexf.net/1.3}creator") == f"botwatch {__version__}"
    assert meta.get("lastmodifieddate") == "2024-03-03"  # the run's date, so the file is reproducible


def test_schema_rejects_a_broken_document(gexf_path, schema):
    """The schema check can fail: the same file with a wrong version is refused."""
    text = gexf_path.read_text(encoding="utf-8").replace('version="1.3"', 'version="1.2"', 1)
    assert not schema.validate(etree.fromstring(text.encode("utf-8")))


def test_networkx_reads_nodes_and_edges_with_attributes(gexf_path):
    graph = nx.read_gexf(gexf_path)
    assert isinstance(graph, nx.MultiGraph)  # one edge per pair and layer
    assert sorted(graph.nodes) == ["tg:u1001", "tg:u1002", "tg:u1003"]  # u1004 has no edge and no flag
    alpha = graph.nodes["tg:u1001"]
    assert alpha["label"] == "alpha_fan" and alpha["platform"] == "tg" and alpha["handle"] == "alpha_fan"
    assert alpha["score"] == 0.9 and alpha["flagged"] is True and alpha["campaign_id"] == "C1"
    assert alpha["n_items"] == 1
    assert graph.nodes["tg:u1003"]["flagged"] is False and "campaign_id" not in graph.nodes["tg:u1003"]
    layers = sorted(d["layer"] for _, _, d in graph.edges(data=True))
    assert layers == ["co_reply", "co_reply", "template"]  # run 1's decoy edge is not there
    (pair,) = [
        d
        for u, v, d in graph.edges(data=True)
        if {u, v} == {"tg:u1001", "tg:u1002"} and d["layer"] == "co_reply"
    ]
    assert pair["weight"] == 3.0 and pair["events"] == 3
    assert pair["p_value"] == 0.001 and pair["q_value"] == 0.002 and pair["significant"] is True
    assert pair["first_at"] == "2024-03-01T09:00:00Z" and pair["last_at"] == "2024-03-01T09:00:05Z"
    assert pair["n_evidence"] == 2


def test_hostile_strings_are_escaped_and_invalid_xml_dropped(gexf_path):
    graph = nx.read_gexf(gexf_path)
    # the fixture's display name holds markup, quotes and the control characters U+0001 and U+000B
    assert graph.nodes["tg:u1002"]["display_name"] == '@Beta <b>&"q"</b> end'
    assert graph.nodes["tg:u1003"]["display_name"] == "Гамма\tТаб"
    raw = gexf_path.read_bytes()
    assert b"<b>" not in raw and b"\x01" not in raw and b"\x0b" not in raw


def test_xml_attr():
    assert xml_attr('a<b>&"c"\n\x00\ud800\U0001f600') == "a&lt;b&gt;&amp;&quot;c&quot;&#10;\U0001f600"


def test_pseudonymised_network_validates(tmp_path, schema, export_case):
    path = export(export_case, "edges", "gexf", tmp_path / "p.gexf", pseudonymize=True, salt="s")
    assert schema.validate(etree.parse(str(path))), schema.error_log
    graph = nx.read_gexf(path)
    assert all(n.startswith("tg:acct_") for n in graph.nodes)
    assert all(d["label"].startswith("name_") for _, d in graph.nodes(data=True))
