"""Search benchmark: a 100,000-record corpus, the indexing rate, and query latency.

    python -m bench.search_bench [--comments N] [--clauses N] [--keep DIR]

Writes bench/results/search.json and prints a summary. Not a test: the figures depend on
the machine, so they are recorded in the README rather than asserted.

Each query runs once and then three more times; the first runs are reported apart
(cold_p50_ms, cold_p95_ms), so repeats cannot hide a cache of results. --keep DIR builds
the corpus and its index in DIR on the first run and reuses them afterwards (building
takes minutes); without it everything is built afresh in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from consult.app import register_search_sources
from consult.consultations.models import Comment
from consult.consultations.services import ConsultationInput, create_consultation
from consult.db import Database, migrate
from consult.drafts.services import clauses_of, import_draft
from consult.search.index import SearchIndex, rebuild, search
from consult.settings import Settings
from consult.sqltypes import utcnow

RESULTS = Path(__file__).parent / "results"
ENGLISH = [
    "free",
    "prior",
    "and",
    "informed",
    "consent",
    "indigenous",
    "peoples",
    "water",
    "biodiversity",
    "tailings",
    "smelter",
    "emissions",
    "greenhouse",
    "gas",
    "scope",
    "reporting",
    "human",
    "rights",
    "due",
    "diligence",
    "community",
    "grievance",
    "mechanism",
    "land",
    "tenure",
    "security",
    "forces",
    "waste",
    "recycling",
    "bauxite",
    "alumina",
    "aluminium",
    "energy",
    "renewable",
    "targets",
    "transparency",
    "audit",
    "supplier",
    "traceability",
    "chain",
    "custody",
    "worker",
    "safety",
    "health",
    "women",
    "gender",
]
FRENCH = [
    "consentement",
    "préalable",
    "libre",
    "éclairé",
    "peuples",
    "autochtones",
    "eau",
    "biodiversité",
    "résidus",
    "émissions",
    "droits",
    "humains",
    "diligence",
    "communautés",
    "plainte",
    "foncier",
    "sécurité",
    "déchets",
    "recyclage",
    "énergie",
    "cibles",
    "le",
    "la",
    "les",
    "des",
    "et",
    "est",
    "pour",
    "dans",
]
CATEGORIES = [
    "civil_society",
    "indigenous_peoples",
    "production_transformation",
    "industrial_users",
    "government",
]


# Real text follows Zipf's law: a few words are everywhere, most are rare. Synthetic terms
# stand in for the long tail of a standard's vocabulary (place names, chemicals, laws...).
TAIL = [f"term{n:04d}" for n in range(4000)]


def sentence(rng: random.Random, words: list[str], length: int) -> str:
    picked = []
    for _ in range(length):
        if rng.random() < 0.5:
            picked.append(rng.choice(words))
        else:
            rank = min(int(rng.paretovariate(1.1)) - 1, len(TAIL) - 1)
            picked.append(TAIL[rank])
    return " ".join(picked).capitalize() + "."


def draft_markdown(rng: random.Random, clauses: int) -> str:
    lines, principle = [], 0
    per_principle = max(clauses // 12, 1)
    for n in range(clauses):
        if n % per_principle == 0:
            principle += 1
            lines.append(
                f"# Principle {principle}: {sentence(rng, ENGLISH, 3)}\n\n{sentence(rng, ENGLISH, 20)}\n"
            )
        else:
            lines.append(
                f"## {principle}.{n % per_principle} {sentence(rng, ENGLISH, 4)}\n\n{sentence(rng, ENGLISH, 40)}\n"
            )
    return "\n".join(lines)


def build_corpus(database: Database, comments: int, clauses: int, rng: random.Random) -> int:
    with database.session(write=True) as session:
        draft = import_draft(
            session, draft_markdown(rng, clauses), "Performance Standard", "V4 bench"
        )
        now = utcnow()
        consultation = create_consultation(
            session,
            ConsultationInput(
                draft.id, "Benchmark round", now - timedelta(days=10), now + timedelta(days=50)
            ),
        )
        clause_ids = [c.id for c in clauses_of(session, draft.id)]
    rows = []
    for n in range(comments):
        words = FRENCH if n % 5 == 0 else ENGLISH
        rows.append(
            {
                "reference": f"{consultation.reference_prefix}-{n + 1:06d}",
                "consultation_id": consultation.id,
                "clause_id": rng.choice(clause_ids),
                "kind": rng.choice(["general", "technical", "editorial"]),
                "body": " ".join(
                    sentence(rng, words, rng.randint(8, 25)) for _ in range(rng.randint(1, 4))
                ),
                "proposed_change": "",
                "publication": rng.choice(["named", "unattributed", "confidential"]),
                "author_name": "Bench",
                "author_organisation": "",
                "author_email": "",
                "stakeholder_category": rng.choice(CATEGORIES),
                "country": "BR",
                "source": "online",
                "source_note": "",
                "is_late": False,
                "received_at": now - timedelta(minutes=n),
            }
        )
        if len(rows) == 5000:
            _insert(database, rows)
            rows = []
    if rows:
        _insert(database, rows)
    return len(clause_ids) + comments + 1


def _insert(database: Database, rows: list[dict]) -> None:
    with database.engine.begin() as connection:
        connection.execute(insert(Comment.__table__), rows)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


def measure(search_index: SearchIndex, queries: list[tuple[str, dict]], repeats: int = 3) -> dict:
    """Each query's first run is timed apart from its repeats: only the searcher's
    query-independent caches (visibility and facet sets) may make the repeats faster."""
    cold, timings, totals = [], [], []
    scopes = {"public"}
    for text, filters in queries:
        start = time.perf_counter()
        search(search_index, text, scopes, filters)
        cold.append((time.perf_counter() - start) * 1000)
        for _ in range(repeats):
            start = time.perf_counter()
            results = search(search_index, text, scopes, filters)
            timings.append((time.perf_counter() - start) * 1000)
        if results.unavailable:  # an index kept from an older schema would time nothing
            raise SystemExit("the search index is unavailable (stale or unreadable): rebuild it")
        totals.append(results.total)
    return {
        "queries": len(queries),
        "p50_ms": round(percentile(timings, 0.50), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "cold_p50_ms": round(percentile(cold, 0.50), 1),
        "cold_p95_ms": round(percentile(cold, 0.95), 1),
        "mean_results": round(statistics.mean(totals)),
    }


def build(folder: Path, args: argparse.Namespace, rng: random.Random) -> dict:
    """Write the corpus and its index into `folder`; returns what a later run needs to reuse
    them, including the random state so it picks the same queries."""
    settings = Settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder}/bench.db",
        secret_key=secrets.token_hex(16),
    )
    migrate(settings)
    database = Database(settings)
    start = time.perf_counter()
    records = build_corpus(database, args.comments, args.clauses, rng)
    print(f"corpus: {records:,} records in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    indexed = rebuild(database, SearchIndex(folder / "search"))
    seconds = time.perf_counter() - start
    database.dispose()
    print(
        f"indexed {indexed:,} documents in {seconds:.1f} s ({indexed / seconds:,.0f} documents/s)"
    )
    return {
        "comments": args.comments,
        "clauses": args.clauses,
        "records": records,
        "indexed": indexed,
        "index_seconds": round(seconds, 1),
        "random_state": rng.getstate(),
    }


def _as_tuples(value):
    return tuple(_as_tuples(v) for v in value) if isinstance(value, list) else value


def corpus(folder: Path, args: argparse.Namespace, rng: random.Random, keep: bool) -> dict:
    """Build the corpus, or with --keep reuse the one an earlier run left in the folder."""
    saved = folder / "corpus.json"
    if keep and saved.exists():
        built = json.loads(saved.read_text())
        if (built["comments"], built["clauses"]) == (args.comments, args.clauses):
            rng.setstate(_as_tuples(built["random_state"]))
            print(f"reusing {built['indexed']:,} indexed documents in {folder}")
            return built
        raise SystemExit(f"{folder} holds a corpus of another size; use another folder")
    built = build(folder, args, rng)
    if keep:
        saved.write_text(json.dumps(built))
    return built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--clauses", type=int, default=300)
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="build the corpus and index in DIR once and reuse them on later runs",
    )
    args = parser.parse_args()
    rng = random.Random(2026)
    register_search_sources()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        built = corpus(folder, args, rng, keep=args.keep is not None)
        search_index = SearchIndex(folder / "search")
        typical = [(w, {}) for w in rng.sample(TAIL[20:400], 30)]
        words = [(w, {}) for w in rng.sample(ENGLISH, 20)] + [
            (w, {}) for w in rng.sample(FRENCH[:-8], 10)
        ]
        phrases = [(f'"{" ".join(rng.sample(ENGLISH, 2))}"', {}) for _ in range(15)] + [
            ('"free prior"', {}),
            ('"human rights"', {}),
        ]
        facets = [
            (rng.choice(ENGLISH), {"category": rng.choice(CATEGORIES)}) for _ in range(15)
        ] + [(rng.choice(ENGLISH), {"kind": "clause"}) for _ in range(5)]
        keys = [(f"{rng.randint(1, 12)}.{rng.randint(1, 20)}", {}) for _ in range(20)]
        # The first search on a new index generation builds its caches (field lengths,
        # facet tables); every search after the index changes pays it once.
        start = time.perf_counter()
        search(search_index, "consent", {"public"})
        first_search_ms = round((time.perf_counter() - start) * 1000, 1)
        index_bytes = sum(f.stat().st_size for f in (folder / "search").iterdir())
        report = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "records": built["records"],
            "indexed": built["indexed"],
            "index_seconds": built["index_seconds"],
            "documents_per_second": round(built["indexed"] / built["index_seconds"]),
            "index_mb": round(index_bytes / 1024**2, 1),
            "first_search_ms": first_search_ms,
            "single_words": measure(search_index, typical),
            "common_words": measure(search_index, words),
            "phrases": measure(search_index, phrases),
            "facet_filters": measure(search_index, facets),
            "clause_keys": measure(search_index, keys),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(report, indent=2) + "\n")
    for name in ("single_words", "common_words", "phrases", "facet_filters", "clause_keys"):
        r = report[name]
        print(
            f"{name:>14}: p50 {r['p50_ms']:>6} ms  p95 {r['p95_ms']:>6} ms"
            f"  first run p95 {r['cold_p95_ms']:>6} ms"
            f"  ({r['queries']} queries, ~{r['mean_results']:,} results)"
        )


if __name__ == "__main__":
    main()
