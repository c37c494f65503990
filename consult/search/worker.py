"""The indexer loop, run by `consult worker` or inside `consult serve`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from anyio import to_thread

from consult.db import Database
from consult.search.index import SearchIndex, apply_queue, request_rebuild

log = logging.getLogger(__name__)


async def run_indexer(
    database: Database, search_index: SearchIndex, stop: asyncio.Event, interval: float = 1.0
) -> None:
    if not search_index.exists() or search_index.stale():
        await to_thread.run_sync(request_rebuild, database)
    while not stop.is_set():
        try:
            applied = await to_thread.run_sync(apply_queue, database, search_index)
        except Exception:  # keep indexing after a bad batch; the entries stay queued
            log.exception("indexing round failed")
            applied = 0
        if not applied:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
