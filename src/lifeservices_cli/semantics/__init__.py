"""What the plan's numbers and words mean — values, exact numbers, units, dates, comparators, cells — with no I/O."""
