"""Search benchmark: a 100,000-record corpus, the indexing rate, and query latency.

    python -m bench.search_bench [--comments N] [--clauses N]

Writes bench/results/search.json and prints a summary. Not a test: the figures depend on
the machine, so they are recorded in the README rather than asserted.
"""

from __future__ import annotations

import argparse
import json
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
    timings, totals = [], []
    scopes = {"public"}
    for text, filters in queries:
        search(search_index, text, scopes, filters)  # warm the searcher's caches
        for _ in range(repeats):
            start = time.perf_counter()
            results = search(search_index, text, scopes, filters)
            timings.append((time.perf_counter() - start) * 1000)
        totals.append(results.total)
    return {
        "queries": len(queries),
        "p50_ms": round(percentile(timings, 0.50), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "mean_results": round(statistics.mean(totals)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--clauses", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(2026)
    register_search_sources()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder),
            database_url=f"sqlite:///{folder}/bench.db",
            secret_key=secrets.token_hex(16),
        )
        migrate(settings)
        database = Database(settings)
        start = time.perf_counter()
        records = build_corpus(database, args.comments, args.clauses, rng)
        print(f"corpus: {records:,} records in {time.perf_counter() - start:.1f} s")
        search_index = SearchIndex(Path(folder) / "search")
        start = time.perf_counter()
        indexed = rebuild(database, search_index)
        seconds = time.perf_counter() - start
        print(
            f"indexed {indexed:,} documents in {seconds:.1f} s ({indexed / seconds:,.0f} documents/s)"
        )
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
        report = {
            "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
            "records": records,
            "indexed": indexed,
            "index_seconds": round(seconds, 1),
            "documents_per_second": round(indexed / seconds),
            "single_words": measure(search_index, typical),
            "common_words": measure(search_index, words),
            "phrases": measure(search_index, phrases),
            "facet_filters": measure(search_index, facets),
            "clause_keys": measure(search_index, keys),
        }
        database.dispose()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(report, indent=2) + "\n")
    for name in ("single_words", "common_words", "phrases", "facet_filters", "clause_keys"):
        r = report[name]
        print(
            f"{name:>14}: p50 {r['p50_ms']:>6} ms  p95 {r['p95_ms']:>6} ms  ({r['queries']} queries, ~{r['mean_results']:,} results)"
        )


if __name__ == "__main__":
    main()
