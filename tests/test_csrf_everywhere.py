"""Every state-changing route, read from the router, refuses a request without the session's
CSRF token: a new route that forgets the check fails here."""

import re

from starlette.routing import Route

from tests.conftest import csrf_from, make_user, sign_in


def post_routes(app) -> list[str]:
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and route.methods and "POST" in route.methods:
            paths.append(re.sub(r"\{[^}]+\}", "1", route.path))
    return paths


def test_there_are_many_post_routes(app):
    assert len(post_routes(app)) > 20


def test_every_post_route_refuses_a_missing_or_wrong_token(app, client, db):
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    for path in post_routes(app):
        for data in ({"text": "x"}, {"text": "x", "csrf_token": "forged"}):
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data, response.status_code)
            assert (
                "send the form again" in response.text.lower() or "expired" in response.text.lower()
            ), path


def test_the_token_is_masked_afresh_on_every_page_and_each_mask_works(client, db):
    """Gzipped pages must not repeat the same secret bytes beside reflected text (BREACH)."""
    sign_in(client, db, make_user(db))
    first, second = (csrf_from(client.get("/account").text) for _ in range(2))
    assert first != second
    for token in (first, second):
        response = client.post(
            "/language", data={"language": "fr", "csrf_token": token}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
    tampered = first[:10] + ("A" if first[10] != "A" else "B") + first[11:]
    for bad in ("", "x" * 43, first[:-4], "é" * 88, tampered):
        response = client.post("/language", data={"language": "en", "csrf_token": bad})
        assert response.status_code == 403, bad
