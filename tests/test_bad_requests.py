"""Input no page expects gets a 4xx, never a 500, on both databases."""

from tests.conftest import csrf, make_consultation, make_user, sign_in


def test_nul_bytes_in_addresses_are_refused(client, db):
    consultation = make_consultation(db)
    for path in (
        f"/consultations/{consultation.slug}%00",
        "/search?q=a%00b",
        "/api/v1/consultations/x%00y",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
    assert client.get("/api/v1/consultations/x%00y").json()["error"]["status"] == 400


def test_nul_bytes_in_form_text_are_dropped_not_fatal(client, db):
    consultation = make_consultation(db)
    sign_in(client, db, make_user(db))
    url = f"/consultations/{consultation.slug}/clauses/9.4/comment"
    data = {
        "kind": "general",
        "body": "Fine\x00 text",
        "publication": "named",
        "csrf_token": csrf(client, url),
    }
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == 303
    assert "Fine text" in client.get(response.headers["location"]).text
