import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select

from consult.search.index import apply_queue, search
from consult.search.models import IndexEntry
from consult.sqltypes import utcnow
from tests.conftest import csrf, make_consultation, make_user, sign_in

PUBLIC = {"public"}
COMPETING = 300
STAFF = {"public", "secretariat"}


def index_all(app) -> None:
    while apply_queue(app.state.db, app.state.search_index):
        pass


def comment(
    client, db, consultation, body, publication="named", key="9.4", email="ana@example.org"
):
    client.cookies.clear()
    with db.session() as session:
        from consult.accounts.models import User

        user = session.exec(select(User).where(User.email == email)).first()
    sign_in(client, db, user or make_user(db, email=email))
    url = f"/consultations/{consultation.slug}/clauses/{key}/comment"
    data = {
        "kind": "general",
        "body": body,
        "publication": publication,
        "csrf_token": csrf(client, url),
    }
    assert client.post(url, data=data, follow_redirects=False).status_code == 303
    client.cookies.clear()


def titles(app, text, scopes=PUBLIC, **kwargs):
    return [hit.title for hit in search(app.state.search_index, text, scopes, **kwargs).hits]


def test_a_comment_queues_its_index_entry_in_the_same_transaction(app, client, db):
    consultation = make_consultation(db)
    index_all(app)
    comment(client, db, consultation, "Water rights matter")
    with db.session() as session:
        kinds = [entry.kind for entry in session.exec(select(IndexEntry))]
    # Exactly one entry: bumping the consultation's receipt counter must not requeue it and
    # every comment it holds.
    assert kinds == ["comment"]


def test_words_stems_phrases_and_prefixes(app, client, db):
    consultation = make_consultation(db)
    comment(client, db, consultation, "Companies keep consulting communities too late.")
    index_all(app)
    assert "9.4 Free, prior and informed consent" in titles(app, "consents")  # stemmed
    assert (
        titles(app, '"free, prior and informed consent"')[0]
        == "9.4 Free, prior and informed consent"
    )
    assert titles(app, '"informed prior free"') == []  # a phrase keeps its order
    assert any("9.4" in t for t in titles(app, "consult"))  # prefix of consulting
    assert titles(app, "zzzunknown") == []


def test_a_clause_key_finds_that_clause_first(app, db):
    make_consultation(db)
    index_all(app)
    assert titles(app, "9.4")[0] == "9.4 Free, prior and informed consent"
    assert titles(app, "9")[0] == "Principle 9: Human Rights"


def test_french_is_stemmed_as_french(app, client, db):
    consultation = make_consultation(db)
    comment(
        client, db, consultation, "Les consentements des communautés autochtones sont essentiels."
    )
    index_all(app)
    assert any(t.startswith("PS-V4D1-R1") for t in titles(app, "consentement communauté"))


def test_confidential_comments_are_found_only_by_the_secretariat(app, client, db):
    consultation = make_consultation(db)
    comment(
        client,
        db,
        consultation,
        "Secret evidence about the tailings dam",
        publication="confidential",
    )
    index_all(app)
    assert titles(app, "tailings") == []
    assert len(titles(app, "tailings", STAFF)) == 1


def test_unattributed_comments_are_not_found_by_their_author_name(app, client, db):
    consultation = make_consultation(db)
    make_user(db, email="quiet@example.org", name="Zelda Quietname")
    comment(
        client,
        db,
        consultation,
        "Something on water",
        publication="unattributed",
        email="quiet@example.org",
    )
    index_all(app)
    assert titles(app, "Quietname") == []
    assert len(titles(app, "water")) == 1


def test_comments_held_back_until_closing_when_configured(app, client, db):
    consultation = make_consultation(db, show_comments_during_period=False)
    comment(client, db, consultation, "Biodiversity offsets are weak")
    index_all(app)
    assert titles(app, "biodiversity") == []
    after_close = consultation.closes_at + timedelta(seconds=1)
    assert len(titles(app, "biodiversity", now=after_close)) == 1


def test_facets_count_and_filter(app, client, db):
    consultation = make_consultation(db)
    comment(client, db, consultation, "Consent needs time")
    index_all(app)
    results = search(app.state.search_index, "consent", PUBLIC)
    kinds = dict(results.facets["kind"])
    assert kinds["clause"] >= 1 and kinds["comment"] == 1
    only_comments = search(app.state.search_index, "consent", PUBLIC, {"kind": "comment"})
    assert only_comments.total == 1
    assert dict(results.facets["year"]) == {str(utcnow().year): results.total}


def test_totals_and_facets_stay_exact_when_many_matches_compete_for_a_page(app, db):
    """Matches that cannot reach the page still count, and the last page is reachable.

    At this size Whoosh's pruning shortcuts do not kick in, so this does not catch them being
    switched back on; the 100,000-record benchmark's match counts do (they fell by two thirds
    with the shortcuts on)."""
    from consult.consultations.services import get_clause, submit_comment

    consultation = make_consultation(db)
    author = make_user(db)
    with db.session(write=True) as session:
        for n in range(COMPETING):
            # Ten comments say "consent" over and over; the rest only sit under a clause with
            # consent in its title, and score far lower.
            strong = n < 10
            clause = get_clause(session, consultation, "9.1" if strong else "9.4")
            body = f"Point {n}. " + ("consent " * 20 if strong else "Timing matters.")
            values = {"kind": "general", "body": body, "publication": "named"}
            submit_comment(
                session, app.state.outbox, consultation, clause, author, values, rate_limits=False
            )
    index_all(app)
    results = search(app.state.search_index, "consent", PUBLIC, {"kind": "comment"}, per_page=10)
    assert results.total == COMPETING and results.pages == COMPETING // 10
    assert dict(results.facets["kind"]) == {"comment": COMPETING}
    assert re.search(r"Point \d\.", results.hits[0].excerpt)  # the most mentions rank first
    last = search(app.state.search_index, "consent", PUBLIC, {"kind": "comment"}, page=99)
    assert last.page == COMPETING // 20 and len(last.hits) == 20
    assert search(app.state.search_index, "consent timing", PUBLIC).total == COMPETING - 10
    assert search(app.state.search_index, "consent nowhere", PUBLIC).total == 0


def test_search_page_works_without_javascript_and_as_a_fragment(app, client, db):
    consultation = make_consultation(db)
    comment(client, db, consultation, "<script>alert('x')</script> consent please")
    index_all(app)
    page = client.get("/search", params={"q": "consent"})
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#search-q")["value"] == "consent"
    assert soup.select("#search-hits .search-hit")
    assert "<script>alert('x')</script>" not in page.text
    assert soup.select_one("#search-hits mark") is not None
    fragment = client.get("/search", params={"q": "consent"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'id="search-results"' in fragment.text
    filtered = client.get("/search", params={"q": "consent", "kind": "comment"})
    assert len(BeautifulSoup(filtered.text, "html.parser").select("#search-hits .search-hit")) == 1


def test_every_page_has_a_search_box(client, db):
    soup = BeautifulSoup(client.get("/").text, "html.parser")
    box = soup.select_one('header form[role="search"] input[name="q"]')
    assert box is not None and soup.select_one(f'label[for="{box["id"]}"]') is not None


# Whoosh leaves the corrupt table of contents file open when it fails to read it.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_corrupt_or_missing_index_is_rebuilt_never_a_500(app, client, db):
    make_consultation(db)
    index_all(app)
    for path in app.state.search_index.path.iterdir():
        path.write_bytes(b"garbage")
    page = client.get("/search", params={"q": "consent"})
    assert page.status_code == 200 and "being rebuilt" in page.text
    index_all(app)
    assert titles(app, "consent")
    import shutil

    shutil.rmtree(app.state.search_index.path)
    assert client.get("/search", params={"q": "consent"}).status_code == 200
    index_all(app)
    assert titles(app, "consent")


def test_bad_parameters_are_harmless(client, db):
    for params in (
        {"q": "consent", "page": "abc"},
        {"q": "((("},
        {"q": "x" * 5000},
        {"q": "a", "kind": "<b>"},
    ):
        assert client.get("/search", params=params).status_code == 200
