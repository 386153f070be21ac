"""The API's cache of slow results: computed once per key while fresh, again once expired."""

from __future__ import annotations

import asyncio

import pytest

from api.cache import TtlCache
from tests.api.conftest import Served, read

pytestmark = pytest.mark.anyio


async def test_concurrent_requests_share_one_computation_until_it_expires() -> None:
    cache = TtlCache(ttl_s=0.2)
    computed = 0

    async def compute() -> int:
        nonlocal computed
        computed += 1
        await asyncio.sleep(0.05)
        return computed

    results = await asyncio.gather(*(cache.get("k", compute) for _ in range(5)))
    assert [value for value, _ in results] == [1] * 5
    assert computed == 1
    await asyncio.sleep(0.25)
    value, _ = await cache.get("k", compute)
    assert value == 2
    assert (await cache.get("other", compute))[0] == 3  # keys are apart


async def test_a_zero_ttl_computes_every_time_and_the_cache_stays_bounded() -> None:
    cache = TtlCache(ttl_s=0)
    calls = iter(range(100))

    async def compute() -> int:
        return next(calls)

    assert [(await cache.get("k", compute))[0] for _ in range(3)] == [0, 1, 2]
    bounded = TtlCache(ttl_s=60, max_entries=3)
    for key in range(10):
        await bounded.get(key, compute)
    assert len(bounded._entries) == 3


def test_the_api_reuses_a_periods_evaluation_and_says_when_it_was_made(served: Served) -> None:
    first = read(served.client, "/api/v1/findings", period="2025-02").json()
    again = read(served.client, "/api/v1/findings", period="2025-02").json()
    assert first["evaluated_at"] == again["evaluated_at"]
    review = read(served.client, "/api/v1/review", period="2025-02").json()
    assert review["evaluated_at"] == first["evaluated_at"]
    assert review["inputs"]["g_energy_performance"]["building_ranking"]["computed_at"]
