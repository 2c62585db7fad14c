"""botwatch: find fake accounts and coordinated inauthentic campaigns in social-media exports."""

__version__ = "0.1.0"

from botwatch.errors import BotwatchError  # noqa: E402
from botwatch.ingest.base import IngestOptions  # noqa: E402
from botwatch.store.case import Case, IngestSummary  # noqa: E402

__all__ = ["BotwatchError", "Case", "IngestOptions", "IngestSummary", "__version__"]
