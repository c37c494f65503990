"""Secretariat members saving the same comment's response at the same moment, against a real
server and a real database: every save is answered (none with a 500), each lands in the
history in turn, and the response ends as one of them, its version counting every save."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlmodel import select

from consult.responses.models import Response, ResponseHistory
from tests.conftest import csrf_from, make_consultation, make_user, sign_in
from tests.faults.conftest import live_client
from tests.responses.conftest import make_comment

SAVES = 24


def test_concurrent_saves_of_one_response_queue_and_are_all_kept(live_app):
    app, base = live_app
    database = app.state.db
    consultation = make_consultation(database)
    comment = make_comment(database, consultation)
    url = f"/consultations/{consultation.slug}/responses/{comment.reference}"
    clients = [live_client(base) for _ in range(4)]
    try:
        for n, client in enumerate(clients):
            sign_in(
                client, database, make_user(database, email=f"staff{n}@example.org", staff=True)
            )
        tokens = [csrf_from(client.get(url).text) for client in clients]

        def save(n: int) -> tuple[int, int, str]:
            client, token = clients[n % len(clients)], tokens[n % len(clients)]
            data = {
                "csrf_token": token,
                "disposition": "noted",
                "response_markdown": f"Answer number {n}",
            }
            answer = client.post(url, data=data, headers={"HX-Request": "true"})
            return n, answer.status_code, answer.text

        with ThreadPoolExecutor(max_workers=SAVES) as pool:
            answers = list(pool.map(save, range(SAVES)))
    finally:
        for client in clients:
            client.close()

    failures = [(n, status, text[:300]) for n, status, text in answers if status != 200]
    assert not failures, failures
    with database.session() as session:
        [response] = session.exec(select(Response).where(Response.comment_id == comment.id))
        texts = session.exec(
            select(ResponseHistory.after)
            .where(
                ResponseHistory.comment_id == comment.id,
                ResponseHistory.field == "response_markdown",
            )
            .order_by(ResponseHistory.id)
        ).all()
    # Each save saw the one before it: the history chains, and nothing was overwritten unseen.
    assert sorted(texts) == sorted(f"Answer number {n}" for n in range(SAVES))
    assert response.response_markdown == texts[-1]
    assert response.version == SAVES
