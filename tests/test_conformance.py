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
