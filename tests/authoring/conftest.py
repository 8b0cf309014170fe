"""The authoring commands' tests run the CLI on a terminal 200 columns wide (the root ``cli`` fixture, wider)."""

from __future__ import annotations

import pytest


@pytest.fixture
def cli(cli):
    return cli.using(width=200)
