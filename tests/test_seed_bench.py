"""`consult seed-bench`: a small-scale run makes valid records and the heavy pages render."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func
from sqlmodel import select

from consult.accounts.models import STAKEHOLDER_CATEGORIES, User
from consult.benchdata import Plan, table_counts
from consult.cli import main
from consult.consultations.models import Comment, Consultation
from consult.drafts.models import Clause, Draft
from consult.responses.models import Response, ResponseHistory, Synopsis
from consult.search.index import rebuild
from consult.search.models import REBUILD, IndexEntry
from governance.models import Decision, DecisionCounter
from tests.conftest import sign_in

SCALE = "0.01"
PLAN = Plan.scaled(float(SCALE))


@pytest.fixture
def seeded(settings, monkeypatch, capsys):
    monkeypatch.setenv("CONSULT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONSULT_DATA_DIR", str(settings.data_dir))
    assert main(["seed-bench", "--scale", SCALE]) == 0
    return capsys.readouterr().out


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def test_counts_follow_the_scale(seeded, db):
    counts = table_counts(db)
    assert "seeded in" in seeded and "comments" in seeded
    assert counts["gov_bodies"] == 5
    assert counts["gov_meetings"] == PLAN.meetings
    assert counts["gov_decisions"] == PLAN.decisions
    assert counts["comments"] == PLAN.comments + PLAN.open_round_comments
    with db.session() as session:
        drafts = session.exec(select(Draft).order_by(Draft.id)).all()
        sizes = [
            session.exec(select(func.count()).where(Clause.draft_id == d.id)).one()
            for d in drafts[:2]
        ]
        assert sizes == [PLAN.clauses, PLAN.clauses]
        commenters = session.exec(select(User).where(~User.is_secretariat)).all()
        categories = {u.stakeholder_category for u in commenters if u.has_profile}
        assert categories == set(STAKEHOLDER_CATEGORIES)
        round1 = session.exec(select(Consultation).order_by(Consultation.id)).first()
        per_clause = Counter(
            session.exec(select(Comment.clause_id).where(Comment.consultation_id == round1.id))
        )
        assert sum(per_clause.values()) == PLAN.comments
        top = per_clause.most_common(2)
        assert top[0][1] == PLAN.busiest > top[1][1]


def test_records_keep_the_apps_invariants(seeded, db):
    with db.session() as session:
        for consultation in session.exec(select(Consultation)):
            references = session.exec(
                select(Comment.reference)
                .where(Comment.consultation_id == consultation.id)
                .order_by(Comment.id)
            ).all()
            numbers = [int(r.rsplit("-", 1)[1]) for r in references]
            assert numbers == list(range(1, len(numbers) + 1))
            assert consultation.next_receipt == len(numbers) + 1
            assert all(r.startswith(consultation.reference_prefix + "-") for r in references)
        for comment in session.exec(select(Comment)):
            late = (
                comment.received_at >= session.get(Consultation, comment.consultation_id).closes_at
            )
            assert comment.is_late == late
            assert (comment.source == "online") == (comment.recorded_by_id is None)
        for response, comment in session.exec(
            select(Response, Comment).join(Comment, Comment.id == Response.comment_id)
        ):
            if response.disposition not in ("pending", "accepted"):
                assert response.response_markdown
            if comment.publication != "confidential":
                assert not response.confidential_summary
            changes = session.exec(
                select(func.count(func.distinct(ResponseHistory.changed_at))).where(
                    ResponseHistory.comment_id == comment.id
                )
            ).one()
            assert response.version == changes
        numbers = Counter()
        for decision in session.exec(select(Decision).order_by(Decision.id)):
            code, year, number = decision.number.rsplit("-", 2)
            assert int(year) == decision.decided_on.year
            numbers[(decision.body_id, int(year))] += 1
            assert int(number) == numbers[(decision.body_id, int(year))]
        counters = {(c.body_id, c.year): c.last for c in session.exec(select(DecisionCounter))}
        assert counters == dict(numbers)
        queued = session.exec(select(IndexEntry)).all()
        assert [entry.kind for entry in queued] == [REBUILD]


def test_refuses_a_database_that_is_not_empty(seeded, capsys):
    assert main(["seed-bench", "--scale", SCALE]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["seed-bench", "--scale", SCALE, "--force"]) == 0


def test_the_heavy_pages_render(seeded, db, client, app):
    with db.session() as session:
        round1 = session.exec(select(Consultation).order_by(Consultation.id)).first()
        busiest = session.exec(
            select(Clause.key)
            .join(Comment, Comment.clause_id == Clause.id)
            .where(Comment.consultation_id == round1.id)
            .group_by(Clause.key)
            .order_by(func.count().desc())
        ).first()
        public = session.exec(
            select(func.count(Comment.id))
            .join(Clause, Clause.id == Comment.clause_id)
            .where(
                Comment.consultation_id == round1.id,
                Clause.key == busiest,
                Comment.publication != "confidential",
            )
        ).one()
        assert session.exec(select(Synopsis)).one().consultation_id == round1.id
        staff = session.exec(select(User).where(User.email == "secretariat@example.org")).one()
    base = f"/consultations/{round1.slug}"
    assert "Performance Standard V4" in soup(client.get("/")).text
    assert soup(client.get(base)).select(f"a[href^='{base}/clauses/']")
    clause_page = soup(client.get(f"{base}/clauses/{busiest}"))
    assert len(clause_page.select("article.comment")) == public
    synopsis = soup(client.get(f"{base}/synopsis"))
    assert synopsis.select_one("#pending-justification")
    assert len(synopsis.select("article.synopsis-entry")) == PLAN.comments
    rows = list(csv.reader(io.StringIO(client.get(f"{base}/synopsis.csv").text)))
    assert len(rows) == PLAN.comments + 1
    sign_in(client, db, staff)
    log = soup(client.get(f"{base}/responses"))
    assert len(log.select("tr.log-row")) == 50
    assert re.search(r"\d", log.select_one("#log-total").text)


def test_search_finds_the_seeded_records(seeded, app, client):
    rebuild(app.state.db, app.state.search_index)
    page = soup(client.get("/search", params={"q": "consent"}))
    assert page.select("a[href*='/consultations/']")
