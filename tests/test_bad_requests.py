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


def test_ids_past_what_the_database_holds_are_404_or_ignored_never_500(client, db):
    """PostgreSQL refuses to compare a 32-bit id column with 2**31 or more, and "²" passes
    str.isdigit but not int()."""
    from tests.conftest import make_consultation, make_user, sign_in

    consultation = make_consultation(db)
    sign_in(client, db, make_user(db, email="staff@example.org", staff=True))
    log = f"/consultations/{consultation.slug}/responses"
    for value in ("2147483648", "99999999999", "²"):
        assert client.get(f"/drafts/{value}").status_code == 404
        assert client.get(f"/meetings/{value}").status_code == 404
        for name in ("assignee", "group", "theme"):
            assert client.get(log, params={name: value}).status_code == 200
