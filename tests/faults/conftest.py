"""A live server for the fault tests: many people at once, over real sockets."""

from __future__ import annotations

from dataclasses import replace

import httpx2
import pytest

from consult.app import create_app
from tests.conftest import serving


@pytest.fixture
def live_app(settings, live_socket):
    """(the app, its address), served by uvicorn on loopback. Rate limits are off: many
    people from one loopback address is the point, not what is under test."""
    port = live_socket.getsockname()[1]
    live = replace(settings, base_url=f"http://127.0.0.1:{port}", rate_limits=False)
    app = create_app(live, run_worker=False)
    with serving(app, live_socket, live.base_url) as base:
        yield app, base
    app.state.db.dispose()


def live_client(base: str) -> httpx2.Client:
    # No keep-alive: an idle connection the server closes while a client reuses it would fail
    # the request on the client's side, which is not what these tests are about.
    return httpx2.Client(
        base_url=base, timeout=60, limits=httpx2.Limits(max_keepalive_connections=0)
    )
