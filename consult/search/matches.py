"""Every document a query matches, found without Whoosh's document-at-a-time matchers, and
the best of them ranked by Whoosh itself.

Search results show exact totals and facet counts, so every match has to be found, but only
a page of them has to be ranked. Whoosh can do both at once only by stepping its matchers
one document at a time in Python and scoring each, which costs hundreds of milliseconds for
a common word. Here instead:

1. `find` reads each term's postings a whole block at a time and combines them with set and
   dict operations. Phrases look at word positions only in documents holding every word.
   (Exact phrases in content come as their pairs of words, `index.with_pairs`: a term, or
   a phrase of pairs, far rarer than the words, so much less is read.)
   Alongside each match it works out the score Whoosh gives it, from the same scorer and
   the same postings, but added up in another order, so it may differ in the last bits.
2. `top` takes the documents whose estimate is within a rounding margin of the page's
   lowest, and has Whoosh's own matchers score just those (through postings cut down to
   them), so the page holds exactly what Whoosh would rank there, in Whoosh's order.

Query parts not modelled here (NOT, ANDMAYBE, ranges...) are matched by Whoosh itself and
have no estimate (NaN); then `top` leaves the whole ranking to Whoosh's collector.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pickle import loads

from whoosh import collectors, formats, scoring
from whoosh import query as q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

UNKNOWN = math.nan
# Estimates and Whoosh's scores differ only by the order of a few additions.
MARGIN = 1e-6


@dataclass
class Found:
    """What `find` found: each matching document's estimated score, and the postings it
    read (by segment, field and term), which `top` reuses rather than reading them again."""

    scores: dict[int, float] = field(default_factory=dict)
    postings: dict[tuple, list] = field(default_factory=dict)


def find(searcher, query: q.Query, within: set[int], cache: dict) -> Found:
    """Every document in `within` that `query` matches, with its estimated score. `cache`
    keeps query-independent data (field lengths) for the searcher's generation."""
    finder = _Finder(searcher, within, cache)
    return Found(finder.scores(query), finder.postings)


def top(searcher, query: q.Query, found: Found, limit: int) -> list[tuple[float, int]]:
    """The `limit` best of the `found` documents as (score, docnum), scored and ordered by
    Whoosh: highest score first, then lowest document number."""
    estimates = found.scores
    if not estimates or limit <= 0:
        return []
    if math.isnan(sum(estimates.values())):  # some part has no estimate
        return _whoosh_top(searcher, query, set(estimates), limit)
    if len(estimates) <= limit:
        candidates = list(estimates)
    else:
        lowest = heapq.nlargest(limit, estimates.values())[-1]
        floor = lowest - MARGIN * max(abs(lowest), 1.0)
        candidates = [doc for doc, estimate in estimates.items() if estimate >= floor]
    scored = _whoosh_scores(searcher, query, sorted(candidates), found.postings)
    return heapq.nsmallest(limit, scored, key=lambda hit: (-hit[0], hit[1]))


def _whoosh_top(searcher, query, allowed: set[int], limit: int) -> list[tuple[float, int]]:
    """Whoosh's own top N, scoring every match: slow, but kept for queries whose scores are
    not estimated here. Its shortcuts stay off: swapping in "cheaper" matchers midway
    (`replace`) can rank a lower-scoring match first on a small segment."""
    collector = collectors.TopCollector(limit=limit, usequality=False, replace=0)
    searcher.search_with_collector(query, collectors.FilterCollector(collector, allow=allowed))
    return collector.results().top_n


def _whoosh_scores(searcher, query, docs: list[int], read: dict) -> list[tuple[float, int]]:
    """Whoosh's scores for `docs` (sorted, all matching), from the matchers it would use."""
    scored = []
    context = searcher.context()
    for index, (leaf, offset) in enumerate(searcher.leaf_searchers()):
        end = offset + leaf.doc_count_all()
        local = [doc - offset for doc in docs if offset <= doc < end]
        if not local:
            continue
        matcher = query.matcher(_Only(leaf, index, local, read), context)
        while matcher.is_active():
            scored.append((matcher.score(), matcher.id() + offset))
            matcher.next()
    return scored


class _Only(Searcher):
    """A segment's searcher whose postings hold only the given documents: the same query
    builds the same matchers over them, with the same scorers, but has little to walk."""

    def __init__(self, leaf, index: int, docs: list[int], read: dict) -> None:
        super().__init__(
            leaf.reader(), weighting=leaf.weighting, closereader=False, parent=leaf.get_parent()
        )
        self._leaf = leaf
        self._index = index
        self._docs = docs
        self._read = read

    def postings(self, fieldname, text, weighting=None, qf=1):
        weighting = weighting or self.weighting
        scorer = weighting.scorer(self._leaf, fieldname, text, qf=qf)
        blocks = self._read.get((self._index, fieldname, text))
        if blocks is None:
            blocks = list(_blocks(self.reader().postings(fieldname, text), values=True))
        postings = _Postings(blocks)
        ids, weights, values = [], [], []
        for doc in self._docs:
            posting = postings.get(doc)
            if posting is not None:
                ids.append(doc)
                weights.append(posting[0])
                values.append(posting[1])
        fmt = self.schema[fieldname].format
        return ListMatcher(ids, weights, values, fmt, scorer=scorer, term=(fieldname, text))


class _Finder:
    def __init__(self, searcher, within: set[int], cache: dict) -> None:
        self.searcher = searcher
        self.leaves = list(enumerate(searcher.leaf_searchers()))
        self.within = within
        self.cache = cache
        self.postings: dict[tuple, list] = {}
        # A few allowed documents (a narrow filter): read only the blocks that hold them.
        self.sparse = len(within) * 16 < searcher.doc_count_all()
        self._wanted: dict[int, list[int]] = {}

    def _read(self, index: int, offset: int, fieldname: str, btext: bytes, matcher) -> list:
        wanted = None
        if self.sparse:
            if index not in self._wanted:
                self._wanted[index] = sorted(doc - offset for doc in self.within if doc >= offset)
            wanted = self._wanted[index]
        blocks = self.postings[index, fieldname, btext] = list(_blocks(matcher, True, wanted))
        return blocks

    def scores(self, node: q.Query) -> dict[int, float]:
        # Exact types only: subclasses (Ordered, DisjunctionMax...) match differently.
        kind = type(node)
        if kind is q.Term:
            found = self._term(node.fieldname, node.text)
        elif kind is q.And and node.subqueries:
            parts = sorted(map(self.scores, node.subqueries), key=len)
            both = set(parts[0]).intersection(*parts[1:])
            found = {doc: sum(part[doc] for part in parts) for doc in both}
        elif kind is q.Or and node.subqueries and not node.minmatch and not node.scale:
            found = _added(list(map(self.scores, node.subqueries)))
        elif kind is q.Phrase:
            found = self._phrase(node)
        elif isinstance(node, q.MultiTerm) and node.field():
            return self._expanded(node)  # its boost is applied as Whoosh applies it
        elif kind is q.Not:  # matched as Whoosh matches it; Whoosh's score is not modelled
            return dict.fromkeys(self.within.difference(self.scores(node.query)), UNKNOWN)
        elif node is q.NullQuery:
            return {}
        else:
            return self._whoosh_docs(node)
        boost = getattr(node, "boost", 1.0)
        if boost != 1.0:
            found = {doc: score * boost for doc, score in found.items()}
        return found

    def _whoosh_docs(self, node) -> dict[int, float]:
        within = self.within
        docs = (doc + offset for _, (leaf, offset) in self.leaves for doc in node.docs(leaf))
        return dict.fromkeys((doc for doc in docs if doc in within), UNKNOWN)

    def _term(self, fieldname: str, text, leaves=None) -> dict[int, float]:
        found: dict[int, float] = {}
        within = self.within
        for index, (leaf, offset) in leaves or self.leaves:
            btext, matcher = _postings(leaf.reader(), fieldname, text)
            if matcher is None:
                continue
            lengths, compute = self._scorer(index, leaf, fieldname, btext)
            known = _Known(compute)
            for ids, weights, _ in self._read(index, offset, fieldname, btext, matcher):
                found.update(
                    {
                        local + offset: known[weight, lengths[local]]
                        for local, weight in zip(ids, weights, strict=True)
                        if local + offset in within
                    }
                )
        return found

    def _expanded(self, node: q.MultiTerm) -> dict[int, float]:
        """A prefix or wildcard, scored as Whoosh's MultiTerm matcher scores it: one term
        as that term alone, several as an OR of them, which on a segment of up to 5,000
        documents Whoosh preloads unscored (every match scores 1)."""
        found: dict[int, float] = {}
        fieldname = node.field()
        for index, (leaf, offset) in self.leaves:
            words = [word for word in node._btexts(leaf.reader()) if word]
            if not words:
                continue
            one = [(index, (leaf, offset))]
            parts = [self._term(fieldname, word, one) for word in words]
            if len(words) == 1:
                part = parts[0]
            elif (
                node.constantscore
                and len(words) > 2
                and (len(words) >= q.Or.TOO_MANY_CLAUSES or leaf.doc_count_all() <= 5000)
            ):
                part = dict.fromkeys(set().union(*parts), 1.0)
            else:
                part = _added(parts)
                if node.boost != 1.0:
                    part = {doc: score * node.boost for doc, score in part.items()}
            found.update(part)  # segments hold different documents
        return found

    def _phrase(self, phrase: q.Phrase) -> dict[int, float]:
        """Documents holding every word of the phrase, then only those whose word positions
        line up as Whoosh's phrase matcher requires. The score is the words' scores added,
        as that matcher adds them."""
        found: dict[int, float] = {}
        fieldname = phrase.fieldname
        if fieldname not in self.searcher.schema or not phrase.words:
            return found
        fmt = self.searcher.schema[fieldname].format
        if not fmt or not fmt.supports("positions"):
            raise q.QueryError(f"Phrase search: {fieldname!r} field has no positions")
        for index, (leaf, offset) in self.leaves:
            terms = [_postings(leaf.reader(), fieldname, word) for word in phrase.words]
            if any(matcher is None for _, matcher in terms):
                continue
            postings, values = [], []  # per word: its blocks, and local doc -> positions
            for btext, matcher in terms:
                blocks = self._read(index, offset, fieldname, btext, matcher)
                postings.append(_Postings(blocks))
                values.append({})
                for ids, _, block_values in blocks:
                    values[-1].update(zip(ids, block_values, strict=True))
            within = self.within
            candidates = set(values[0]).intersection(*values[1:])
            candidates = [doc for doc in candidates if doc + offset in within]
            scorers = [self._scorer(index, leaf, fieldname, btext) for btext, _ in terms]
            # A slice at a time: the many small lists of positions are freed before the
            # garbage collector sees them, rather than pile up and set off full collections.
            for start in range(0, len(candidates), 64):
                some = candidates[start : start + 64]
                positions = [_positions(fmt, [word[doc] for doc in some]) for word in values]
                for doc, *word_positions in zip(some, *positions, strict=True):
                    if _in_sequence(word_positions, phrase.slop):
                        found[doc + offset] = sum(
                            compute(word.get(doc)[0], lengths[doc])
                            for (lengths, compute), word in zip(scorers, postings, strict=True)
                        )
        return found

    def _scorer(self, index: int, leaf, fieldname: str, btext: bytes):
        """(lengths by local docnum, score(weight, length)) for a term, as Whoosh's scorer
        for it computes scores."""
        scorer = leaf.weighting.scorer(leaf, fieldname, btext)
        if isinstance(scorer, scoring.WeightScorer):
            return _NO_LENGTHS, lambda weight, length: weight
        if not isinstance(scorer, scoring.BM25FScorer):
            return _NO_LENGTHS, lambda weight, length: UNKNOWN
        return self._lengths(index, leaf, fieldname), scorer._score

    def _lengths(self, index: int, leaf, fieldname: str) -> Sequence[int]:
        key = ("lengths", index, fieldname)
        if key not in self.cache:
            self.cache[key] = _field_lengths(leaf.reader(), fieldname)
        return self.cache[key]


class _Known(dict):
    """Scores by (weight, length): a term's postings share few distinct pairs."""

    def __init__(self, compute) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: tuple) -> float:
        score = self[key] = self.compute(*key)
        return score


def _added(parts: list[dict[int, float]]) -> dict[int, float]:
    """Documents in any part, with their scores in each added up."""
    parts.sort(key=len, reverse=True)
    total = dict(parts[0]) if parts else {}
    for part in parts[1:]:
        for doc, score in part.items():
            total[doc] = total.get(doc, 0.0) + score
    return total


def _postings(reader, fieldname: str, text):
    """(the term as stored, its raw postings in one segment), or (None, None)."""
    if fieldname not in reader.schema:
        return None, None
    try:
        text = reader.schema[fieldname].to_bytes(text)
    except ValueError:
        return None, None
    if (fieldname, text) not in reader:
        return None, None
    matcher = reader.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):
        # Deleted documents: callers only keep documents in `within`, which are all live.
        matcher = matcher.child
    return text, matcher


def _blocks(matcher, values: bool = False, wanted: list[int] | None = None):
    """(ids, weights, encoded values or None) for each block of a term's postings. Whoosh's
    own on-disk format is decoded a whole block at a time, rather than one call per posting.
    Given `wanted` (sorted), blocks holding none of those documents are skipped unread."""
    if type(matcher) is not W3LeafMatcher:
        ids, weights, encoded = [], [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            encoded.append(matcher.value() if values else None)
            matcher.next()
        if ids:
            yield ids, weights, encoded
        return
    after = -1  # the last id of the block before
    while matcher.is_active():
        if wanted is not None:
            next_wanted = bisect_right(wanted, after)
            if next_wanted == len(wanted):
                return
            after = matcher.block_max_id()
            if wanted[next_wanted] > after:  # a block's header gives its last id
                matcher._next_block()
                continue
        if matcher._byteids:
            matcher._read_ids()
        else:  # the same decoding as Whoosh's, without a Python step per id
            matcher._read_data()
            matcher._ids = tuple(accumulate(matcher._data[0]))
        ids = matcher._ids
        weights = matcher._data[1]
        if weights is None or isinstance(weights, float):  # all the same: stored once
            weights = (1.0 if weights is None else weights,) * len(ids)
        if values:
            matcher._read_values()
        yield ids, weights, matcher._values if values else None
        matcher._next_block()


class _Postings:
    """Looks up single documents in a term's blocks of postings."""

    def __init__(self, blocks: list) -> None:
        self.blocks = blocks
        self.starts = [ids[0] for ids, _, _ in blocks]

    def get(self, doc: int) -> tuple | None:
        """(weight, encoded value) of the document's posting, or None."""
        block = bisect_right(self.starts, doc) - 1
        if block < 0:
            return None
        ids, weights, values = self.blocks[block]
        i = bisect_left(ids, doc)
        if i < len(ids) and ids[i] == doc:
            return weights[i], values[i]
        return None


def _positions(fmt, encoded: list[bytes]) -> list[Iterable[int]]:
    """The word positions in each of many encoded postings, each to be read once."""
    if type(fmt) is formats.Positions and all(
        value[_INT_SIZE : _INT_SIZE + 2] == b"\x80\x02" and value[-1:] == b"." for value in encoded
    ):
        # Whoosh pickles each posting's position gaps as a list on its own (protocol 2,
        # one object, no references). Their bodies joined inside one list unpickle in one
        # call to the same lists: the index's own bytes, as Whoosh's decoder reads them.
        joined = b"".join([value[_INT_SIZE + 2 : -1] for value in encoded])
        gaps = loads(b"\x80\x02(" + joined + b"l.")  # noqa: S301
        if len(gaps) == len(encoded):
            return list(map(accumulate, gaps))
    decode = fmt.decoder("positions")
    return [decode(value) for value in encoded]


def _in_sequence(positions: list[Iterable[int]], slop: int) -> bool:
    """Whether each word's positions follow the word before's within `slop`: Whoosh's
    phrase test (SpanNear2, ordered, minimum distance 1) for one-word spans."""
    if slop == 1:  # an exact phrase: word k at (start + k) for some start
        starts = set(positions[0])
        for k in range(1, len(positions)):
            starts.intersection_update(map((-k).__add__, positions[k]))
            if not starts:
                return False
        return True
    ends = list(positions[0])
    for following in positions[1:]:
        ends = [p for p in following if any(1 <= p - e <= slop for e in ends)]
        if not ends:
            return False
    return True


class _NoLengths:
    """For scorers that do not look at lengths."""

    def __getitem__(self, docnum: int) -> int:
        return 0


_NO_LENGTHS = _NoLengths()


def _field_lengths(reader, fieldname: str) -> Sequence[int]:
    """Each document's length in a field, as Whoosh's scorer reads it (lengths are stored
    as one byte per document: read them all at once rather than one call per document)."""
    perdoc = getattr(reader, "_perdoc", None)
    column = None
    if perdoc is not None and hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    count = reader.doc_count_all()
    if column is None or not hasattr(column, "_dbfile"):
        return [reader.doc_field_length(doc, fieldname, 1) for doc in range(count)]
    stored = column._dbfile.get(column._basepos, column._count)
    table = [byte_to_length(b) if b else None for b in range(256)]
    return [table[b] for b in stored] + [None] * (count - len(stored))
