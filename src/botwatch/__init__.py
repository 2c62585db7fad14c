"""botwatch: find fake accounts and coordinated inauthentic campaigns in social-media exports."""

from botwatch._version import __version__
from botwatch.errors import BotwatchError
from botwatch.ingest import IngestOptions, IngestSummary
from botwatch.store.case import Case

__all__ = ["BotwatchError", "Case", "IngestOptions", "IngestSummary", "__version__"]
