"""The Whoosh index: schema, writing from the queue, rebuilding, and querying.

Only the indexer writes; web requests only read, so a request never waits on the index lock.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import shutil
import threading
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Set
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from sqlmodel import col, delete, func, select
from whoosh import index as whoosh_index
from whoosh import query as q
from whoosh import searching
from whoosh.analysis import Filter, LanguageAnalyzer, StemmingAnalyzer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.qparser import MultifieldParser

from consult.db import Database
from consult.search import matches
from consult.search.language import is_french
from consult.search.models import REBUILD, IndexEntry
from consult.search.registry import SECRETARIAT, Document, sources

log = logging.getLogger(__name__)
FACETS = ("kind", "standard", "version", "consultation", "body", "category", "disposition", "year")
CLAUSE_KEY = re.compile(r"^\d+(?:\.\d+)*$")
SEARCH_FIELDS = ["title", "content", "content_fr"]
SEARCH_THREADS = 2  # one per core of the machine this was measured on
PAIRS = "content_pairs"


class AdjacentPairs(Filter):
    """Each two adjacent tokens as one term ("free prior", "prior inform"), at the second's
    position. Stop words are already out and the rest numbered one after another, so a
    phrase's words at consecutive positions in `content` are exactly its pairs at
    consecutive positions here. (Whoosh's BiWordFilter would also index a lone word, and
    fails on a text with no words at all.)"""

    def __call__(self, tokens):
        previous_text = previous_start = None
        for token in tokens:
            text = token.text
            start = token.startchar if token.chars else None
            if previous_text is not None:
                token.text = f"{previous_text} {text}"
                if token.chars:
                    token.startchar = previous_start
                yield token
            previous_text, previous_start = text, start


@functools.cache
def schema() -> Schema:
    facet_fields = {name: ID(stored=True, sortable=True) for name in FACETS}
    return Schema(
        doc_id=ID(stored=True, unique=True),
        record_id=STORED,
        title=TEXT(stored=True, analyzer=StemmingAnalyzer(), field_boost=2.0),
        content=TEXT(stored=True, analyzer=StemmingAnalyzer()),
        # The same text stemmed as French, so "consentements" finds "consentement".
        content_fr=TEXT(analyzer=LanguageAnalyzer("fr")),
        # Adjacent pairs of content's words: a phrase reads the postings of its few pairs
        # rather than the positions of every occurrence of its (often common) words.
        content_pairs=TEXT(analyzer=StemmingAnalyzer() | AdjacentPairs()),
        clause_key=ID(stored=True, field_boost=10.0),
        visibility=ID(stored=True),
        visible_from=NUMERIC(numtype=float, stored=False),
        url=STORED,
        date=STORED,
        **facet_fields,
    )


def _fields(doc: Document) -> dict:
    values = {
        "doc_id": doc.doc_id,
        "record_id": doc.record_id,
        "kind": doc.kind,
        "title": doc.title,
        "content": doc.content,
        PAIRS: doc.content,
        # French text is also stemmed as French; English text is not analysed twice.
        "content_fr": f"{doc.title}\n{doc.content}" if is_french(doc.content) else "",
        "clause_key": doc.clause_key,
        "visibility": doc.visibility,
        "visible_from": doc.visible_from.timestamp() if doc.visible_from else 0.0,
        "url": doc.url,
        "date": doc.date.isoformat() if doc.date else "",
    }
    if doc.date and "year" not in doc.facets:
        values["year"] = str(doc.date.year)
    values.update({k: v for k, v in doc.facets.items() if k in FACETS and v})
    return values


class StaleIndex(Exception):
    """An index written with other fields than `schema()`'s, by an earlier version: searching
    it would miss what the new fields hold (phrases would find nothing), so it is rebuilt."""


class SearchIndex:
    """The index directory under the data dir, opened lazily and rebuilt when unreadable."""

    def __init__(self, path: Path, threads: int = SEARCH_THREADS) -> None:
        self.path = path
        # Whoosh searchers are not shared between threads; each keeps its own and refreshes it.
        self._local = threading.local()
        self._threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def run(self, func: Callable, *args):
        """Run `func` on the index's own few threads and wait for it. Each thread keeps a
        searcher and its caches (about 200 MB at 100,000 documents): on the web server's
        40-thread pool they would multiply to gigabytes."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="search")
        return self._pool.submit(func, *args).result()

    def searcher(self):
        """A searcher on the latest committed index, reused while nothing changed."""
        local = self._local
        current = getattr(local, "searcher", None)
        if current is not None and local.path_id == self._path_id():
            fresh = current.refresh()
            if fresh is not current:
                local.facet_sets = {}
                local.searcher = fresh
            return fresh
        if current is not None:
            current.close()
        local.searcher = self.open().searcher()
        local.path_id = self._path_id()
        local.facet_sets = {}
        return local.searcher

    def _path_id(self) -> int:
        # A rebuild swaps the directory; a new inode tells a reused searcher to start again.
        return self.path.stat().st_ino

    def cache(self) -> dict:
        """Query-independent data kept for the current searcher's generation."""
        return self._local.facet_sets

    def allowed(self, searcher, scopes: set[str]) -> set[int]:
        """Every document visible to holders of `scopes`, before any hold-back."""
        cache = self._local.facet_sets
        key = ("scopes", frozenset(scopes))
        if key not in cache:
            by_visibility = self.facet_sets(searcher, "visibility")
            # The secretariat sees every record, whatever body or state it belongs to.
            wanted = by_visibility if SECRETARIAT in scopes else scopes
            cache[key] = set().union(*(by_visibility.get(scope, set()) for scope in wanted))
        return cache[key]

    def facet_sets(self, searcher, name: str) -> dict[str, set[int]]:
        """The documents holding each value of a facet, cached for the searcher's generation."""
        cache = self._local.facet_sets
        if name not in cache:
            values = [
                v.decode() if isinstance(v, bytes) else v for v in searcher.reader().lexicon(name)
            ]
            cache[name] = {
                value: set(searcher.docs_for_query(q.Term(name, value))) for value in values
            }
        return cache[name]

    def held_back(self, searcher, now: datetime) -> set[int]:
        """Documents not to be shown before their visible_from time: the few distinct times
        and their documents are read once per generation, then compared with `now`."""
        cache = self._local.facet_sets
        if "visible_from" not in cache:
            field = searcher.schema["visible_from"]
            times = []
            for term in field.sortable_terms(searcher.reader(), "visible_from"):
                docs = set(searcher.postings("visible_from", term).all_ids())
                times.append((field.from_bytes(term), docs))
            cache["visible_from"] = sorted(times, key=lambda pair: pair[0])
        times = cache["visible_from"]
        later = bisect_right([time for time, _ in times], now.timestamp())
        return set().union(*(docs for _, docs in times[later:]))

    def facet_counts(self, searcher, matching: Set[int]) -> dict[str, list[tuple[str, int]]]:
        """How many of `matching` hold each value of each facet, most first. Each document's
        combination of facet values is numbered once per generation, so a search counts
        combinations in one pass instead of intersecting every value's set."""
        counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        table = self._facet_table(searcher)
        if table is None:  # some document holds two values of a facet
            for name in FACETS:
                for value, docs in self.facet_sets(searcher, name).items():
                    counts[name][value] = len(docs & matching)
        else:
            numbers, combinations = table
            for number, n in Counter(map(numbers.__getitem__, matching)).items():
                for name, value in zip(FACETS, combinations[number], strict=True):
                    counts[name][value] += n
        return {
            name: sorted(
                ((v, n) for v, n in counts[name].items() if v and n),
                key=lambda vn: (-vn[1], vn[0]),
            )
            for name in FACETS
        }

    def _facet_table(self, searcher) -> tuple[list[int], list[tuple[str, ...]]] | None:
        """(number of each document's facet values, the values each number stands for)."""
        cache = self._local.facet_sets
        if "facet_table" not in cache:
            count = searcher.doc_count_all()
            columns, single = [], True
            for name in FACETS:
                column = [""] * count
                for value, docs in self.facet_sets(searcher, name).items():
                    for doc in docs:
                        single = single and not column[doc]
                        column[doc] = value
                columns.append(column)
            numbers: dict[tuple[str, ...], int] = {}
            table = [
                numbers.setdefault(values, len(numbers)) for values in zip(*columns, strict=True)
            ]
            cache["facet_table"] = (table, list(numbers)) if single else None
        return cache["facet_table"]

    def open(self):
        ix = whoosh_index.open_dir(str(self.path))
        if set(ix.schema.names()) != set(schema().names()):
            ix.close()
            raise StaleIndex(f"the search index at {self.path} has other fields than the schema")
        return ix

    def exists(self) -> bool:
        return whoosh_index.exists_in(str(self.path))

    def stale(self) -> bool:
        """Whether the index there was written with other fields than `schema()`'s."""
        try:
            self.open().close()
        except StaleIndex:
            return True
        except Exception:  # missing or unreadable is not stale: `open_or_create` sees to it
            return False
        return False

    def create(self, path: Path | None = None):
        target = path or self.path
        target.mkdir(parents=True, exist_ok=True)
        return whoosh_index.create_in(str(target), schema())

    def open_or_create(self):
        """The index, created empty when there is none or it is unreadable. A stale one
        raises StaleIndex: only a rebuild may replace it, or its documents would be lost."""
        try:
            return self.open() if self.exists() else self.create()
        except StaleIndex:
            raise
        except Exception:  # a corrupt index is derived data: start again
            log.exception("search index at %s is unreadable; recreating it", self.path)
            shutil.rmtree(self.path, ignore_errors=True)
            return self.create()


# --- writing ----------------------------------------------------------------------------------


def _documents(database: Database, kind: str, ids: list[int] | None) -> Iterable[Document]:
    source = sources().get(kind)
    if source is None:
        return []
    with database.session() as session:
        return list(source.documents(session, ids))


def apply_queue(database: Database, search_index: SearchIndex, limit: int = 1000) -> int:
    """Apply up to `limit` queued changes; returns how many entries were applied."""
    with database.session() as session:
        entries = list(session.exec(select(IndexEntry).order_by(IndexEntry.id).limit(limit)))
    if not entries:
        return 0
    ix = None
    if not any(entry.kind == REBUILD for entry in entries):
        # A stale index is rebuilt whole: updating it would leave its other documents
        # unfindable.
        with contextlib.suppress(StaleIndex):
            ix = search_index.open_or_create()
    if ix is None:
        rebuild(database, search_index)
        _forget(database, max(e.id for e in entries))
        return len(entries)
    by_kind: dict[str, set[int]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, set()).add(entry.record_id)
    writer = ix.writer(timeout=30)
    try:
        for kind, ids in by_kind.items():
            for record_id in ids:
                writer.delete_by_term("doc_id", f"{kind}:{record_id}")
            for doc in _documents(database, kind, sorted(ids)):
                writer.update_document(**_fields(doc))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    _forget(database, max(e.id for e in entries), [e.id for e in entries])
    return len(entries)


def _forget(database: Database, up_to: int, ids: list[int] | None = None) -> None:
    with database.session(write=True) as session:
        condition = col(IndexEntry.id).in_(ids) if ids is not None else IndexEntry.id <= up_to
        session.exec(delete(IndexEntry).where(condition))


def expected_documents(database: Database) -> int:
    """About how many documents a rebuild writes: one per record of each source's model."""
    with database.session() as session:
        return sum(
            session.exec(select(func.count()).select_from(source.model)).one()
            for source in sources().values()
        )


def rebuild(
    database: Database,
    search_index: SearchIndex,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Build a fresh index beside the live one and swap it in; returns the document count."""
    building = search_index.path.with_name(search_index.path.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    ix = search_index.create(building)
    writer = ix.writer(limitmb=256, procs=os.cpu_count() or 1, multisegment=True)
    count = 0
    try:
        for kind in sources():
            for doc in _documents(database, kind, None):
                writer.add_document(**_fields(doc))
                count += 1
                if progress and count % 1000 == 0:
                    progress(kind, count)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    old = search_index.path.with_name(search_index.path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if search_index.path.exists():
        search_index.path.rename(old)
    building.rename(search_index.path)
    shutil.rmtree(old, ignore_errors=True)
    return count


def request_rebuild(database: Database) -> None:
    with database.session(write=True) as session:
        session.add(IndexEntry(kind=REBUILD))


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Hit:
    kind: str
    title: str
    url: str
    excerpt: str
    date: str
    facets: dict[str, str]


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    unavailable: bool = False


def build_query(text: str, reader=None):
    """The query run for `text`: `parse_query`'s, with phrases in content read as pairs."""
    return with_pairs(parse_query(text, reader))


def parse_query(text: str, reader=None):
    """Words, phrases in quotes, and `9.4`-style clause keys. Every word must be found, as on
    most site searches: it narrows, where any-word would widen, with each word typed. While
    someone types, a last word that is not yet a whole indexed word is also tried as a prefix
    ("consen" finds "consent")."""
    text = text.strip()
    parser = MultifieldParser(SEARCH_FIELDS, schema())
    parsed = parser.parse(text)
    if CLAUSE_KEY.match(text):
        # A clause key finds that clause first, then everything mentioning it.
        return q.Or([q.Term("clause_key", text, boost=50.0), parsed])
    words = text.split()
    last = words[-1].lower() if words else ""
    if not last or not text[-1].isalnum() or '"' in text or len(last) < 3:
        return parsed
    if reader is not None and reader.doc_frequency("content", last):
        return parsed
    prefix = q.Or([q.Prefix("content", last), q.Prefix("title", last)])
    if len(words) == 1:
        return q.Or([parsed, prefix])
    return q.Or([parsed, q.And([parser.parse(" ".join(words[:-1])), prefix])])


def with_pairs(query):
    """`query` with each exact phrase in content as its adjacent pairs of words, which match
    the same documents: two words are one pair term, more are a phrase of pairs. The
    parser has already analysed the words as the index did, and left a phrase of one word
    as a term. Sloppy phrases, and those in title and content_fr, stay as they are."""
    if type(query) is q.Phrase and query.fieldname == "content" and query.slop == 1:
        pairs = [f"{a} {b}" for a, b in pairwise(query.words)]
        if len(pairs) == 1:
            return q.Term(PAIRS, pairs[0], boost=query.boost)
        if pairs:
            return q.Phrase(PAIRS, pairs, boost=query.boost)
    if isinstance(query, q.CompoundQuery):
        # Whoosh's `apply` would rebuild it without its other settings (an OR's minmatch...).
        query = query.copy()
        query.subqueries = [with_pairs(sub) for sub in query.subqueries]
        return query
    return query.apply(with_pairs)


def search(
    search_index: SearchIndex,
    text: str,
    scopes: set[str],
    filters: dict[str, str] | None = None,
    page: int = 1,
    per_page: int = 20,
    now: datetime | None = None,
) -> Results:
    """Search what `scopes` may see. Never raises for a missing or unreadable index: the
    result says it is unavailable and the caller asks for a rebuild."""
    return search_index.run(_search, search_index, text, scopes, filters, page, per_page, now)


def _search(search_index, text, scopes, filters, page, per_page, now) -> Results:
    results = Results(query=text, page=page)
    if not text.strip():
        return results
    now = now or datetime.now(UTC)
    try:
        searcher = search_index.searcher()
        typed = parse_query(text, searcher.reader())
        query = with_pairs(typed)
        # Visibility and filters are set operations on cached per-value sets (never in
        # place: `allowed` may be the cached set itself).
        allowed = search_index.allowed(searcher, scopes)
        held_back = search_index.held_back(searcher, now)
        if held_back:
            allowed = allowed - held_back
        for name, value in (filters or {}).items():
            if name in FACETS and value:
                allowed = allowed & search_index.facet_sets(searcher, name).get(value, set())
        # Every match is found, for exact counts, but only the page's are ranked by Whoosh.
        if allowed:  # never an empty filter: Whoosh would read it as no filter at all
            found = matches.find(searcher, query, allowed, search_index.cache())
        else:
            found = matches.Found()
        matching = found.scores.keys()
        results.facets = search_index.facet_counts(searcher, matching)
        results.total = len(matching)
        results.pages = -(-len(matching) // per_page)
        results.page = min(max(page, 1), max(results.pages, 1))
        if not matching:
            return results
        best = matches.top(searcher, query, found, results.page * per_page)
        # Excerpts mark the typed words in content, which the pairs are not.
        ranked = searching.Results(searcher, typed, best)
        ranked.fragmenter = ContextFragmenter(maxchars=240, surround=60)
        ranked.formatter = HtmlFormatter(tagname="mark", between=" … ")
        for hit in ranked[(results.page - 1) * per_page :]:
            stored = hit.fields()
            results.hits.append(
                Hit(
                    kind=stored["kind"],
                    title=stored.get("title", ""),
                    url=stored.get("url", ""),
                    excerpt=hit.highlights("content") or _escape(stored.get("content", "")[:240]),
                    date=stored.get("date", ""),
                    facets={k: stored[k] for k in FACETS if stored.get(k)},
                )
            )
    except Exception:  # derived data: a broken index must never break the page
        log.exception("search failed; the index will be rebuilt")
        results.unavailable = True
    return results


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
