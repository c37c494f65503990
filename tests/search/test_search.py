import asyncio
import random
import re
import shutil
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlmodel import select
from whoosh import collectors
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh.fields import Schema

from consult.search import matches
from consult.search.index import (
    PAIRS,
    SearchIndex,
    apply_queue,
    build_query,
    parse_query,
    schema,
    search,
    with_pairs,
)
from consult.search.models import REBUILD, IndexEntry
from consult.search.worker import run_indexer
from consult.sqltypes import utcnow
from tests.conftest import csrf, make_consultation, make_user, run_async, sign_in

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
    # Phrases are matched through pairs of words, but excerpts still mark the words typed.
    (hit,) = search(app.state.search_index, '"consulting communities"', PUBLIC).hits
    assert re.search(r"<mark[^>]*>consulting</mark> <mark[^>]*>communities</mark>", hit.excerpt)
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

    At this size Whoosh's pruning shortcuts do not kick in; the tests on a few thousand
    documents below are where they would."""
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
    shutil.rmtree(app.state.search_index.path)
    assert client.get("/search", params={"q": "consent"}).status_code == 200
    index_all(app)
    assert titles(app, "consent")


def _write_index_without_pairs(search_index: SearchIndex) -> None:
    """An index as the version before content_pairs wrote it, holding one clause."""
    shutil.rmtree(search_index.path, ignore_errors=True)
    search_index.path.mkdir(parents=True)
    old = Schema(**{name: schema()[name] for name in schema().names() if name != PAIRS})
    with whoosh_index.create_in(str(search_index.path), old).writer() as writer:
        writer.add_document(
            doc_id="clause:1",
            kind="clause",
            title="9.4 Free, prior and informed consent",
            content="Obtain the free, prior and informed consent.",
            visibility="public",
        )


def test_an_index_written_before_a_field_was_added_is_rebuilt(app, client, db):
    consultation = make_consultation(db)
    index_all(app)
    search_index = app.state.search_index
    _write_index_without_pairs(search_index)
    assert search_index.stale()
    # Searching it would find no phrase at all: it is unavailable until rebuilt.
    page = client.get("/search", params={"q": '"informed consent"'})
    assert page.status_code == 200 and "being rebuilt" in page.text
    index_all(app)
    assert not search_index.stale()
    assert titles(app, '"informed consent"')[0] == "9.4 Free, prior and informed consent"
    # A change queued for a stale index rebuilds it whole, rather than update it.
    _write_index_without_pairs(search_index)
    comment(client, db, consultation, "Informed consent takes time.")
    index_all(app)
    assert not search_index.stale()
    assert "Principle 9: Human Rights" in titles(app, '"human rights"')
    assert len(titles(app, '"informed consent"')) == 3  # the clause, the glossary, the comment


@pytest.mark.parametrize("index", ["missing", "stale", "current"])
def test_the_indexer_asks_for_a_rebuild_when_it_starts_without_a_usable_index(app, db, index):
    make_consultation(db)
    index_all(app)
    search_index = app.state.search_index
    if index == "missing":
        shutil.rmtree(search_index.path)
    elif index == "stale":
        _write_index_without_pairs(search_index)
    stop = asyncio.Event()
    stop.set()  # only the start-up check runs
    run_async(run_indexer(db, search_index, stop))
    with db.session() as session:
        queued = session.exec(select(IndexEntry).where(IndexEntry.kind == REBUILD)).all()
    assert len(queued) == (0 if index == "current" else 1)


def test_bad_parameters_are_harmless(client, db):
    for params in (
        {"q": "consent", "page": "abc"},
        {"q": "((("},
        {"q": "x" * 5000},
        {"q": "a", "kind": "<b>"},
    ):
        assert client.get("/search", params=params).status_code == 200


# --- exact counts and Whoosh's ranking on an index big enough for Whoosh to prune ---------

VOCABULARY = [f"word{n}" for n in range(60)]
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _text(rng: random.Random) -> str:
    # A few words are in most documents, most in few, and some are repeated in one.
    return " ".join(
        VOCABULARY[min(int(rng.paretovariate(0.8)) - 1, 59)] for _ in range(rng.randint(3, 40))
    )


@pytest.fixture(scope="module")
def big_index(tmp_path_factory):
    """About 4,000 small documents written straight to an index, in several segments and
    with some deleted, and what each holds, to count matches without the search code."""
    rng = random.Random(7)
    search_index = SearchIndex(tmp_path_factory.mktemp("big") / "search")
    ix = search_index.create()
    records, number = {}, 0
    for _segment in range(3):
        writer = ix.writer()
        for _ in range(1400):
            number += 1
            text = _text(rng)
            record = {
                "doc_id": f"d:{number}",
                "kind": rng.choice(["comment", "comment", "clause"]),
                "title": _text(rng)[:30] if rng.random() < 0.3 else f"Record {number}",
                "content": text,
                PAIRS: text,  # as `_fields` fills it
                "content_fr": text if rng.random() < 0.2 else "",
                "clause_key": rng.choice(["", "", "1.2", "3.4"]),
                "visibility": rng.choice(["public", "public", "confidential", "body:ca"]),
                "visible_from": rng.choice([0.0, 0.0, 0.0, (NOW + timedelta(days=2)).timestamp()]),
                "url": f"/d/{number}",
                "category": rng.choice(["civil_society", "government", "industry"]),
                "year": rng.choice(["2025", "2026"]),
            }
            writer.add_document(**{k: v for k, v in record.items() if v != ""})
            records[record["url"]] = record
        writer.commit(merge=False)
    writer = ix.writer()
    for gone in rng.sample(sorted(records), 300):
        writer.delete_by_term("doc_id", records.pop(gone)["doc_id"])
    writer.commit(merge=False)
    assert len(ix.searcher().leaf_searchers()) > 1
    return search_index, records


def _expected(search_index, records, text, scopes, filters):
    """The matching documents' urls, from Whoosh's unpruned matcher and the records. Phrases
    are matched by word positions, as typed, not through the pairs search reads."""
    searcher = search_index.searcher()
    query = parse_query(text, searcher.reader())
    urls = {searcher.stored_fields(doc)["url"] for doc in searcher.docs_for_query(query)}
    return {
        url
        for url in urls
        if (records[url]["visibility"] in scopes or "secretariat" in scopes)
        and records[url]["visible_from"] <= NOW.timestamp()
        and all(records[url].get(name) == value for name, value in filters.items())
    }


def _whoosh_ranking(search_index, text, allowed_urls, limit):
    """The urls Whoosh ranks first when it scores every match, best first. (Whoosh's usual
    shortcuts are off: with them it can rank a lower-scoring match first on small segments.)"""
    searcher = search_index.searcher()
    by_url = {fields["url"]: doc for doc, fields in searcher.reader().iter_docs()}
    allow = {by_url[url] for url in allowed_urls}
    if not allow:  # Whoosh reads an empty filter as no filter
        return []
    collector = collectors.TopCollector(limit=limit, usequality=False, replace=0)
    searcher.search_with_collector(
        build_query(text, searcher.reader()), collectors.FilterCollector(collector, allow=allow)
    )
    return [searcher.stored_fields(doc)["url"] for _, doc in collector.results().top_n]


BIG_QUERIES = [
    "word0",
    "word1",
    "word0 word2",
    "word0 word1 word3",
    '"word0 word1"',
    '"word0 word0"',
    '"word0 word0 word0"',
    '"word1 word0 word2"',
    '"word2 word0 word1 word0"',
    '"word0 and the word1"',  # stop words are not indexed: as "word0 word1"
    '"word0 nowhere"',
    '"word0 word1" word2',
    'word2 NOT "word1 word0"',
    '"word0 word2"~3',
    '"word2 word0 word1"~2',
    '"record 17"',  # a word in one document only: its postings are stored differently
    "wor",  # a prefix while typing
    "word1 wor",
    "word1 word2*",
    "word2 OR word9",
    "word0 NOT word1",
    "word1 ANDMAYBE word2",
    "1.2",
    "record",
    "word59",
    "nothing",
]


@pytest.mark.parametrize("text", BIG_QUERIES)
def test_totals_facets_and_ranking_match_counting_every_document(big_index, text):
    search_index, records = big_index
    for scopes, filters in [
        (PUBLIC, {}),
        (STAFF, {}),
        ({"public", "body:ca"}, {"category": "government"}),
        (PUBLIC, {"kind": "clause", "year": "2026"}),
    ]:
        expected = _expected(search_index, records, text, scopes, filters)
        for page in (1, 3):
            results = search(search_index, text, scopes, filters, page=page, per_page=10, now=NOW)
            assert not results.unavailable
            assert results.total == len(expected), (text, scopes, filters)
            for name in ("kind", "category", "year"):
                counts = Counter(records[url].get(name) for url in expected)
                assert dict(results.facets[name]) == {v: n for v, n in counts.items() if v}
            ranking = _whoosh_ranking(search_index, text, expected, page * 10)
            assert [hit.url for hit in results.hits] == ranking[(results.page - 1) * 10 :]


PHRASES = [
    ["word0", "word1"],
    ["word0", "word0"],
    ["word0", "word0", "word0"],
    ["word1", "word0", "word2"],
    ["word2", "word0", "word1", "word0"],
    ["word0", "nowhere"],
]


@pytest.mark.parametrize("words", PHRASES, ids=" ".join)
def test_pairs_of_words_find_exactly_the_phrases_in_content(big_index, words):
    """A phrase's pairs at consecutive positions in content_pairs <=> its words at
    consecutive positions in content, checked against the records' analysed words; and
    the search finds them on its own fast paths, with an estimate for each."""
    search_index, records = big_index
    searcher = search_index.searcher()
    analyse = schema()["content"].analyzer
    urls = {doc: fields["url"] for doc, fields in searcher.reader().iter_docs()}
    n = len(words)
    expected = set()
    for doc, url in urls.items():
        analysed = [token.text for token in analyse(records[url]["content"])]
        if any(analysed[i : i + n] == words for i in range(len(analysed) - n + 1)):
            expected.add(doc)
    pairs = with_pairs(q.Phrase("content", words))
    assert pairs.field() == PAIRS
    assert set(searcher.docs_for_query(pairs)) == expected
    assert set(searcher.docs_for_query(q.Phrase("content", words))) == expected
    found = matches.find(searcher, pairs, set(urls), {})
    assert set(found.scores) == expected
    assert not any(score != score for score in found.scores.values())  # no NaN: no fallback


def test_whoosh_would_skip_matches_at_this_size(big_index):
    """The test above means something: here Whoosh's usual top-N search leaves out most
    matches of two common words, so counting what it collects would come far short."""
    search_index, _ = big_index
    searcher = search_index.searcher()
    query = build_query("word0 word2", searcher.reader())
    collector = collectors.TopCollector(limit=10)
    searcher.search_with_collector(query, collector)
    assert collector.total < len(list(searcher.docs_for_query(query))) / 2


def test_nothing_is_found_when_nothing_may_be_seen(big_index):
    search_index, _ = big_index
    results = search(search_index, "word0", {"nobody"}, now=NOW)
    assert results.total == 0 and not results.hits
    assert all(not counts for counts in results.facets.values())
    only_held_back = search(search_index, "word0", PUBLIC, {"year": "1999"}, now=NOW)
    assert only_held_back.total == 0 and not only_held_back.hits
