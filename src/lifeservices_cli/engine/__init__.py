"""Records × indicators → results: the record engine, the aggregates, and the columnar engine beside it."""
