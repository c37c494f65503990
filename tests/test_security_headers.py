"""Every kind of response carries the security headers; the session cookie is locked down."""

import pytest

from consult.security import HEADERS
from tests.conftest import make_consultation, make_user, sign_in


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=x",
        "/api/v1/consultations",
        "/static/consult.css",
        "/nowhere",
        "/api/v1/nowhere",
    ],
)
def test_security_headers_on_every_response(client, db, path):
    response = client.get(path)
    for name, value in HEADERS.items():
        assert response.headers[name] == value, (path, name)
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy


def test_headers_on_fragments_and_refusals(client, db):
    consultation = make_consultation(db)
    fragment = client.get(
        f"/consultations/{consultation.slug}/clauses/9.4", headers={"HX-Request": "true"}
    )
    refused = client.post("/auth/logout")  # no CSRF token
    for response in (fragment, refused):
        assert response.headers["x-frame-options"] == "DENY"
    assert refused.status_code == 403


def test_session_cookie_is_http_only_and_same_site(client, db):
    sign_in(client, db, make_user(db))
    raw = client.get("/auth/login").headers.get("set-cookie", "")
    assert "httponly" in raw.lower() and "samesite=lax" in raw.lower()
    assert "secure" not in raw.lower()  # served over plain HTTP in tests


def test_secure_cookie_and_hsts_over_https(settings):
    from dataclasses import replace

    from starlette.testclient import TestClient

    from consult.app import create_app

    app = create_app(replace(settings, base_url="https://consult.example.org"), run_worker=False)
    with TestClient(app, base_url="https://consult.example.org") as client:
        response = client.get("/auth/login")
        assert "secure" in response.headers["set-cookie"].lower()
        assert response.headers["strict-transport-security"].startswith("max-age=")
    app.state.db.dispose()
