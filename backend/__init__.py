"""The RAPyDo-style backend: a Flask API over iRODS-like storage."""

__version__ = "0.1.0"
