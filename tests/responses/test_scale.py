import pytest
from sqlalchemy import event
from sqlmodel import select

from consult.consultations.models import Comment
from consult.drafts.models import Clause
from tests.conftest import make_consultation, make_user, sign_in
from tests.responses.conftest import soup


def add_comments(db, consultation, count: int) -> None:
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
                for i in range(count)
            ],
        )


def test_the_log_filters_and_pages_through_20000_comments(client, db):
    # Its speed is measured by `make bench`; this proves the paging and counts stay right.
    consultation = make_consultation(db)
    staff = make_user(db, email="secretariat@example.org", staff=True)
    add_comments(db, consultation, 20_000)
    sign_in(client, db, staff)
    base = f"/consultations/{consultation.slug}/responses"
    for query in ("", "?page=400", "?disposition=pending&sort=disposition", "?q=comment+19999"):
        answer = client.get(base + query)
        assert answer.status_code == 200, query
    assert "1 comment matches" in soup(answer).select_one("#log-total").text
    last_page = soup(client.get(base + "?page=400"))
    assert "20,000" in last_page.select_one("#log-total").text


def test_the_log_walks_the_draft_in_clause_order_rather_than_sorting_every_comment(
    client, db, settings
):
    if not settings.is_sqlite:
        pytest.skip("PostgreSQL keeps its own statistics; this is about SQLite's planner")
    consultation = make_consultation(db)
    add_comments(db, consultation, 5_000)
    db.refresh_statistics()
    staff = make_user(db, email="secretariat@example.org", staff=True)
    sign_in(client, db, staff)
    statements = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        if statement.startswith("SELECT comments.id") and "LIMIT" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = soup(client.get(f"/consultations/{consultation.slug}/responses"))
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    [(statement, parameters)] = statements
    with db.engine.connect() as connection:
        plan = "\n".join(
            row[-1]
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert "ix_clauses_draft_position" in plan, plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    references = [row["id"].removeprefix("response-") for row in page.select("tr.log-row")]
    assert len(references) == 50
    with db.session() as session:
        first_clause = session.exec(
            select(Clause.id)
            .where(Clause.draft_id == consultation.draft_id)
            .order_by(Clause.position)
        ).first()
        expected = session.exec(
            select(Comment.reference)
            .where(Comment.clause_id == first_clause)
            .order_by(Comment.id)
            .limit(50)
        ).all()
    assert references == expected
