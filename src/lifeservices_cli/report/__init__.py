"""The report: one model every output format renders from, and the store that holds its results."""
