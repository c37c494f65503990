"""Many people commenting at the same moment, against a real server and a real database:
every accepted comment is stored once with its own receipt; none fails with a 500 or
"database is locked"."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx2
from sqlmodel import select

from consult.app import create_app
from consult.consultations.models import Comment
from consult.mail.models import OutboxMessage
from tests.conftest import csrf_from, make_consultation, make_user, serving, sign_in

COMMENTERS = 200


def test_200_concurrent_comments_are_each_stored_once(settings, live_socket):
    port = live_socket.getsockname()[1]
    # Rate limits would stop 200 comments from one loopback address; that is not under test.
    live = replace(settings, base_url=f"http://127.0.0.1:{port}", rate_limits=False)
    app = create_app(live, run_worker=False)
    database = app.state.db
    consultation = make_consultation(database)
    url = f"/consultations/{consultation.slug}/clauses/9.4/comment"
    clients: list[httpx2.Client] = []
    try:
        with serving(app, live_socket, live.base_url) as base:
            answers = _comment_all_at_once(clients, base, url, database)
    finally:
        for client in clients:
            client.close()

    failures = [(n, status, text[:200]) for n, status, _loc, text in answers if status != 303]
    assert not failures, failures
    receipts = [
        re.search(r"/account/comments/(\S+)$", location).group(1)
        for _n, _s, location, _t in answers
    ]
    assert len(set(receipts)) == COMMENTERS
    with database.session() as session:
        stored = list(session.exec(select(Comment)))
        mails = list(session.exec(select(OutboxMessage)))
    assert sorted(c.body for c in stored) == sorted(
        f"Comment number {n}" for n in range(COMMENTERS)
    )
    assert sorted(c.reference for c in stored) == sorted(receipts)
    assert sorted(c.reference for c in stored) == [
        f"PS-V4D1-R1-{n:06d}" for n in range(1, COMMENTERS + 1)
    ]
    assert len(mails) == COMMENTERS
    database.dispose()


def _comment_all_at_once(clients: list, base: str, url: str, database) -> list[tuple]:
    """Sign in every commenter one by one, then send all the comments at once."""
    # No keep-alive: an idle connection the server closes while a client reuses it would fail
    # the request on the client's side, which is not what this test is about.
    no_keep_alive = httpx2.Limits(max_keepalive_connections=0)
    for n in range(COMMENTERS):
        client = httpx2.Client(base_url=base, timeout=60, limits=no_keep_alive)
        clients.append(client)
        sign_in(client, database, make_user(database, email=f"person{n}@example.org"))
    tokens = [csrf_from(client.get(url).text) for client in clients]

    def send(args):
        client, token, n = args
        data = {
            "kind": "general",
            "body": f"Comment number {n}",
            "publication": "named",
            "csrf_token": token,
        }
        response = client.post(url, data=data, follow_redirects=False)
        return n, response.status_code, response.headers.get("location", ""), response.text

    with ThreadPoolExecutor(max_workers=50) as pool:
        return list(pool.map(send, zip(clients, tokens, range(COMMENTERS), strict=True)))
