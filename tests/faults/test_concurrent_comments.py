"""Many people commenting at the same moment, against a real server and a real database:
every accepted comment is stored once with its own receipt; none fails with a 500 or
"database is locked"."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx2
from sqlmodel import select

from consult.consultations.models import Comment
from consult.mail.models import OutboxMessage
from tests.conftest import csrf_from, make_consultation, make_user, sign_in
from tests.faults.conftest import live_client

COMMENTERS = 200


def test_200_concurrent_comments_are_each_stored_once(live_app):
    app, base = live_app
    database = app.state.db
    consultation = make_consultation(database)
    url = f"/consultations/{consultation.slug}/clauses/9.4/comment"
    clients: list[httpx2.Client] = []
    try:
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


def _comment_all_at_once(clients: list, base: str, url: str, database) -> list[tuple]:
    """Sign in every commenter one by one, then send all the comments at once."""
    for n in range(COMMENTERS):
        client = live_client(base)
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
