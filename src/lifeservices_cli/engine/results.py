"""What both engines produce, defined once: the results' JSON entries are joined by ``SEPARATOR``
in the report and in the spool (the columnar engine writes entries straight into it)."""

#: Between two results' JSON entries: in the JSON report's ``results`` list and in the spool.
SEPARATOR = ",\n    "
