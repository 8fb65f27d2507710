"""A real fake RS Online on a free loopback port, and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from pydantic import SecretStr

from sandbox.fake_sirs import FakeSirsConfig, RunningFakeSirs, start
from worker.sirs.endpoints import RsOnline


@pytest.fixture
async def fake() -> AsyncIterator[RunningFakeSirs]:
    running = await start(FakeSirsConfig())
    yield running
    await running.close()


@pytest.fixture
def make_api(fake: RunningFakeSirs) -> Callable[..., RsOnline]:
    """A client for the fake with the sandbox credentials; keyword arguments override."""

    def make(**overrides: Any) -> RsOnline:
        config = fake.state.config
        options: dict[str, Any] = {
            "base_url": fake.base_url,
            "rs_id": config.rs_id,
            "password": SecretStr(config.password),
            "timeout": 5.0,
        }
        options.update(overrides)
        return RsOnline(**options)

    return make


@pytest.fixture
async def api(make_api: Callable[..., RsOnline]) -> AsyncIterator[RsOnline]:
    client = make_api()
    yield client
    await client.close()
