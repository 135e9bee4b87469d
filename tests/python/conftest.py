"""Fixtures: a shared cluster (gateway simulator, broker, two workers) for the module, and
scratch clusters a test builds for itself. Every process is stopped when its fixture ends."""

from __future__ import annotations

import os
import sys
from typing import Iterator

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster import Cluster  # noqa: E402


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module")
def cluster(log_dir: str) -> Iterator[Cluster]:
    """Simulator + broker + two workers with persistent gateway sessions (they serve echo and
    every gateway intent)."""
    c = Cluster(log_dir)
    try:
        _, gateway = c.start_sim()
        # Tests read the broker's live counters between calls; over --stats-per-second the broker
        # would answer with its previous body, so the module's many stats requests are unlimited.
        c.start_broker("--startup-grace-ms", "300", "--stats-per-second", "0")
        c.gateway = gateway  # type: ignore[attr-defined]
        for client_id in (1, 2):
            c.start_worker(gateway=gateway, client_id=client_id,
                           ready=r"intentq-worker ready .*intents=\S*summary")
        yield c
    finally:
        c.stop()


@pytest.fixture
def scratch(log_dir: str) -> Iterator[Cluster]:
    """An empty cluster the test fills; stopped after the test."""
    c = Cluster(log_dir)
    try:
        yield c
    finally:
        c.stop()
