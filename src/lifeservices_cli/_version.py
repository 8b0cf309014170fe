"""The version, in one place: read by the package, the reports and pyproject."""

__version__ = "0.1.0"
