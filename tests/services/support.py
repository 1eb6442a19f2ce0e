"""Helpers shared by the statistics tests (the SQLite run and the service run alike): the oracle
and the rollup check live in `tests/contributions/oracles.py`."""

from tests.contributions.oracles import assert_rollups_exact

__all__ = ["assert_rollups_exact"]
