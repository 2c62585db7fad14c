"""Every registered adapter and detector passes the public conformance checks."""

import pytest

from botwatch.detectors import detector_names, get_detector_class
from botwatch.ingest.registry import adapter_names, get_adapter
from botwatch.testing import check_adapter, check_detector


@pytest.mark.parametrize("name", adapter_names())
def test_adapter_conformance(name):
    check_adapter(type(get_adapter(name)))


@pytest.mark.parametrize("name", detector_names())
def test_detector_conformance(name):
    check_detector(get_detector_class(name))


def test_conformance_catches_a_bad_detector():
    from botwatch.detectors.base import Detector

    class Sloppy(Detector):
        name = "sloppy"
        description = "declares a parameter without a constraint"
        parameters = {"window_s": 60}

        def run(self, ctx):
            return {}

    with pytest.raises(AssertionError, match="without constraints"):
        check_detector(Sloppy)


def test_conformance_catches_an_edge_citing_someone_elses_item():
    from botwatch.detectors.base import Detector, Layer

    class Gossip(Detector):
        name = "gossip"
        description = "links two accounts and cites an item a third account wrote"
        layers = (Layer("gossip", "was talked about with"),)
        tables = ("edges",)

        def run(self, ctx):
            ctx.con.execute(f"DELETE FROM edges WHERE run_id = {ctx.run_id} AND layer = 'gossip'")
            ctx.con.execute(
                "INSERT INTO edges (run_id, platform, account_a, account_b, layer, weight, significant, "
                f"evidence_item_ids) VALUES ({ctx.run_id}, 'test', 'u0', 'u1', 'gossip', 1, true, ['i0', 'i2'])"
            )  # i0 is u0's, i2 is u2's
            return {}

    with pytest.raises(AssertionError, match="neither of its accounts wrote"):
        check_detector(Gossip)
