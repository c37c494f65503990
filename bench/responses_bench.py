"""Response log benchmark: 20,000 comments in one consultation, timed through the web app.

    python -m bench.responses_bench [--comments N]

Writes bench/results/responses.json. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlmodel import select
from starlette.testclient import TestClient

from bench.search_bench import RESULTS, build_corpus
from consult.accounts.models import SignInToken, User
from consult.accounts.services import hash_token
from consult.app import create_app
from consult.consultations.models import Comment, Consultation
from consult.db import Database, migrate
from consult.responses.campaigns import find_clusters
from consult.settings import Settings
from consult.sqltypes import utcnow


def sign_in_staff(client: TestClient, database: Database) -> None:
    token = secrets.token_urlsafe(16)
    with database.session(write=True) as session:
        session.add(
            User(
                email="bench@example.org",
                name="Bench",
                is_secretariat=True,
                profile_completed_at=utcnow(),
            )
        )
        session.add(
            SignInToken(
                email="bench@example.org",
                token_hash=hash_token(token),
                expires_at=utcnow() + timedelta(minutes=30),
            )
        )
    page = client.get(f"/auth/link/{token}").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(f"/auth/link/{token}", data={"csrf_token": csrf})


def timed(client: TestClient, path: str, repeats: int = 5) -> dict:
    client.get(path)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return {
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder),
            database_url=f"sqlite:///{folder}/bench.db",
            secret_key=secrets.token_hex(16),
            embedded_worker=False,
            # Every view made afresh: this measures making the pages, not keeping copies.
            page_cache_seconds=0,
        )
        migrate(settings)
        app = create_app(settings, run_worker=False)
        database = app.state.db
        build_corpus(database, args.comments, 300, random.Random(7))
        database.refresh_statistics()  # as the worker does
        with database.session() as session:
            slug = session.exec(select(Consultation.slug)).one()
            texts = [(c.id, c.body) for c in session.exec(select(Comment))]
        with TestClient(app) as client:
            sign_in_staff(client, database)
            log = f"/consultations/{slug}/responses"
            report = {
                "comments": args.comments,
                "machine": {"cpus": os.cpu_count()},
                "log_first_page": timed(client, log),
                "log_page_200": timed(client, f"{log}?page=200"),
                "log_filtered": timed(
                    client, f"{log}?disposition=pending&category=civil_society&sort=clause"
                ),
                "log_text_search": timed(client, f"{log}?q=tailings"),
                "comments_csv_download": timed(
                    client, f"/consultations/{slug}/comments.csv", repeats=2
                ),
                # The secretariat's preview renders exactly what publication will show.
                "synopsis_page": timed(client, f"/consultations/{slug}/synopsis", repeats=2),
                "synopsis_csv": timed(client, f"/consultations/{slug}/synopsis.csv", repeats=2),
            }
        start = time.perf_counter()
        find_clusters(texts)
        report["campaign_detection_ms"] = round((time.perf_counter() - start) * 1000)
        database.dispose()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "responses.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
