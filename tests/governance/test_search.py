"""Search shows minutes by their state and the viewer's place on the body; decisions to all."""

from consult.search.index import search
from consult.search.registry import scopes_for
from governance import minutes
from governance.decisions import create_decision
from governance.permissions import Standing
from tests.governance.conftest import make_body, make_meeting
from tests.search.test_search import index_all


def scopes(db, user):
    with db.session() as session:
        return scopes_for(session, user)


def found(app, db, text, user):
    return search(app.state.search_index, text, scopes(db, user)).total


def write_minutes(db, meeting, body, text):
    with db.session(write=True) as session:
        minutes.save_text(session, meeting, text)


def test_minutes_are_found_by_whoever_may_read_them(app, db, cast):
    write_minutes(db, cast.meeting, cast.body, "The committee discussed aluminium dross handling.")
    index_all(app)
    # A draft: the secretariat and the chair only.
    assert [
        found(app, db, "dross", u)
        for u in (None, cast.outsider, cast.member, cast.chair, cast.staff)
    ] == [0, 0, 0, 1, 1]
    with db.session(write=True) as session:
        minutes.circulate(session, app.state.outbox, cast.meeting, cast.body)
    index_all(app)
    assert [found(app, db, "dross", u) for u in (None, cast.outsider, cast.member)] == [0, 0, 1]
    with db.session(write=True) as session:
        minutes.approve(session, cast.meeting, cast.chair, Standing(chair=True))
        minutes.publish(session, cast.meeting, cast.staff)
    index_all(app)
    assert [found(app, db, "dross", u) for u in (None, cast.outsider)] == [1, 1]


def test_members_only_minutes_stay_with_members_when_published(app, db, cast):
    forum = make_body(db, name="Indigenous Peoples Advisory Forum", code="IPAF", minutes_public="")
    meeting = make_meeting(db, forum, days=-2, title="Forum meeting")
    from tests.governance.conftest import add_member

    add_member(db, forum, cast.member, role="chair", seat="Civil society")
    write_minutes(db, meeting, forum, "Community visit to the bauxite mine.")
    with db.session(write=True) as session:
        minutes.circulate(session, app.state.outbox, meeting, forum)
        minutes.approve(session, meeting, cast.member, Standing(chair=True))
        minutes.publish(session, meeting, cast.staff)
    index_all(app)
    assert [
        found(app, db, "bauxite", u)
        for u in (None, cast.outsider, cast.chair, cast.member, cast.staff)
    ] == [0, 0, 0, 1, 1]


def test_decisions_are_public_with_body_and_year_facets(app, db, cast):
    with db.session(write=True) as session:
        create_decision(
            session,
            cast.body,
            {
                "title": "Adopt smelter emission thresholds",
                "text": "The committee adopts thresholds.",
                "method": "consensus",
                "decided_on": "2026-03-04",
                "deliberations": "Broad support.",
            },
            cast.staff,
        )
    index_all(app)
    results = search(app.state.search_index, "thresholds", {"public"})
    assert results.total == 1 and results.hits[0].kind == "decision"
    assert dict(results.facets["body"]) == {"Standards Committee": 1}
    assert dict(results.facets["year"]) == {"2026": 1}
