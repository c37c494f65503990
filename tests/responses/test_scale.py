from sqlmodel import select

from consult.consultations.models import Comment
from consult.drafts.models import Clause
from tests.conftest import make_consultation, make_user, sign_in
from tests.responses.conftest import soup


def test_the_log_filters_and_pages_through_20000_comments(client, db):
    # Its speed is measured by `make bench`; this proves the paging and counts stay right.
    consultation = make_consultation(db)
    staff = make_user(db, email="secretariat@example.org", staff=True)
    with db.session(write=True) as session:
        clauses = session.exec(select(Clause).where(Clause.draft_id == consultation.draft_id)).all()
        session.bulk_insert_mappings(
            Comment,
            [
                {
                    "reference": f"R-{i:06d}",
                    "consultation_id": consultation.id,
                    "clause_id": clauses[i % len(clauses)].id,
                    "kind": "technical",
                    "body": f"Comment {i} on the draft",
                    "proposed_change": "",
                    "publication": "named",
                    "author_name": f"Person {i}",
                    "author_organisation": "",
                    "author_email": f"p{i}@example.org",
                    "source": "online",
                    "source_note": "",
                    "is_late": False,
                    "received_at": consultation.opens_at,
                }
                for i in range(20_000)
            ],
        )
    sign_in(client, db, staff)
    base = f"/consultations/{consultation.slug}/responses"
    for query in ("", "?page=400", "?disposition=pending&sort=disposition", "?q=comment+19999"):
        answer = client.get(base + query)
        assert answer.status_code == 200, query
    assert "1 comment matches" in soup(answer).select_one("#log-total").text
    last_page = soup(client.get(base + "?page=400"))
    assert "20,000" in last_page.select_one("#log-total").text
