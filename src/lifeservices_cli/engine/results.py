"""What both engines produce, defined once: the results' JSON entries are joined by ``SEPARATOR``
in the report and in the spool (the columnar engine writes entries straight into it); which
statuses make a run fail (``FailOn``)."""

from typing import Literal, TypeAlias

#: What makes the exit code 1: any problem (fail, invalid or missing data), a fail only, never.
FailOn: TypeAlias = Literal["any", "fail", "never"]

#: Between two results' JSON entries: in the JSON report's ``results`` list and in the spool.
SEPARATOR = ",\n    "
