"""botwatch's version, at the ground floor so that every floor (the store included) may read it."""

__version__ = "0.1.0"
