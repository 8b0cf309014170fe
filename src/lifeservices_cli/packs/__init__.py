"""Indicator packs: safe YAML → validated models → compiled indicators, and the pack set a check runs with."""
