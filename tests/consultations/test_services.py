from datetime import UTC, datetime, timedelta

import pytest

from consult.consultations.services import (
    ConsultationInput,
    create_consultation,
    parse_instant,
    status,
    submit_comment,
)
from consult.errors import ValidationError
from tests.conftest import make_consultation, make_draft, make_user


def test_status_follows_the_instants(db):
    c = make_consultation(db, opens_days=-1, closes_days=59)
    assert status(c, c.opens_at - timedelta(seconds=1)) == "upcoming"
    assert status(c, c.opens_at) == "open"
    assert status(c, c.closes_at - timedelta(seconds=1)) == "open"
    assert status(c, c.closes_at) == "closed"


def test_instants_are_stored_in_utc(db):
    draft = make_draft(db)
    opens = parse_instant("2027-01-10T09:00", "opens_at", "America/Sao_Paulo")
    with db.session(write=True) as session:
        c = create_consultation(
            session,
            ConsultationInput(draft.id, "T", opens, opens + timedelta(days=60)),
        )
    with db.session() as session:
        from consult.consultations.models import Consultation

        stored = session.get(Consultation, c.id)
    assert stored.opens_at == datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("round_number", "days", "needs_reason"),
    [(1, 60, False), (1, 59, True), (2, 30, False), (2, 21, True), (3, 30, False)],
)
def test_iseal_minimum_length_needs_a_recorded_reason(db, round_number, days, needs_reason):
    draft = make_draft(db)
    opens = datetime(2027, 1, 1, tzinfo=UTC)
    data = ConsultationInput(draft.id, "Round", opens, opens + timedelta(days=days), round_number)
    with db.session(write=True) as session:
        if needs_reason:
            with pytest.raises(ValidationError) as caught:
                create_consultation(session, data)
            assert "justification" in caught.value.errors
        else:
            create_consultation(session, data)


def test_closing_before_opening_is_refused(db):
    draft = make_draft(db)
    opens = datetime(2027, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught, db.session(write=True) as session:
        create_consultation(session, ConsultationInput(draft.id, "x", opens, opens))
    assert "closes_at" in caught.value.errors


def test_malformed_instant():
    with pytest.raises(ValidationError) as caught:
        parse_instant("next tuesday", "opens_at")
    assert "opens_at" in caught.value.errors


def test_references_are_unique_and_sequential(db, app):
    consultation = make_consultation(db)
    user = make_user(db)
    refs = []
    for _ in range(3):
        with db.session(write=True) as session:
            from consult.consultations.services import get_clause

            clause = get_clause(session, consultation, "9.4")
            comment = submit_comment(
                session,
                app.state.outbox,
                consultation,
                clause,
                user,
                {"kind": "general", "body": "x", "publication": "named"},
            )
            refs.append(comment.reference)
    assert refs == [f"PS-V4D1-R1-{n:06d}" for n in (1, 2, 3)]


def test_a_refused_comment_never_consumes_a_reference(db, client):
    """A number handed out is never reused, and one is not burnt by a refused comment."""
    consultation = make_consultation(db)
    from tests.conftest import csrf, sign_in

    sign_in(client, db, make_user(db))
    url = f"/consultations/{consultation.slug}/clauses/9.4/comment"
    token = csrf(client, url)
    client.post(
        url, data={"kind": "general", "body": "", "publication": "named", "csrf_token": token}
    )
    ok = client.post(
        url,
        data={"kind": "general", "body": "Fine", "publication": "named", "csrf_token": token},
        follow_redirects=False,
    )
    assert ok.headers["location"].endswith("PS-V4D1-R1-000001")
