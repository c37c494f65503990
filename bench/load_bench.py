"""Load benchmark: the main pages under concurrent load on loopback, on SQLite and PostgreSQL.

    python -m bench.load_bench [--databases sqlite postgresql] [--scale 1] [--duration 10]

For each database: migrate, `consult seed-bench`, `consult reindex`, then serve exactly as the
Procfile's `web:` line does (`consult serve --no-worker`, one uvicorn process) and load each
endpoint for a fixed time with wrk (a Python client when wrk is missing): 2 threads and 16
connections, enough to keep both cores busy with requests queued behind them, which is what
"under load" means on a 2-core machine. The synopsis and its CSV (tens of megabytes, seconds
per request) are timed over a fixed number of requests on 2 connections instead: in 10 s at
16 connections most requests would still be in flight, and only the queue would be measured.
After each endpoint the same load runs against bench/bare_app.py rendering a Jinja template
of the same size, and the ratio of the two throughputs is reported. Requests ask for no gzip,
on both sides. Peak memory is the server's VmHWM, read after each endpoint.

Writes bench/results/load.json and prints a table. Not a test: the figures depend on the
machine (and on whatever else runs on it).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from bench import loadgen
from bench.loadgen import Request

RESULTS = Path(__file__).parent / "results"
CONSULT = Path(sys.executable).parent / "consult"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "consult_bench"
SEARCHES = ["tailings", "9.4", "grievance mechanism", "consentement", "biodiversity offsets"]
TARGET_RATIO = 0.5


@dataclass
class Endpoint:
    name: str
    requests: list[Request]
    heavy: bool = False
    reads: bool = True


# --- processes ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process on loopback, started and stopped by this benchmark only."""

    def __init__(self, command: list[str], env: dict, log: Path, ready_path: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [*command, "--host", "127.0.0.1", "--port", str(self.port)]
        self.env, self.log, self.ready_path = env, log, ready_path

    def __enter__(self) -> Server:
        self.output = self.log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            self.command,
            env=self.env,
            cwd=self.log.parent,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[0]} stopped; see {self.log}")
            with contextlib.suppress(OSError):
                if get(self.url, self.ready_path)[0] == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.url} did not answer within 60 s")

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()

    def peak_memory_mb(self) -> float:
        """VmHWM: the most resident memory the process has used so far."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kilobytes = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
        return round(kilobytes / 1024, 1)


def get(base: str, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def consult(args: list[str], env: dict, cwd: Path) -> float:
    """Run a `consult` command; returns how long it took."""
    start = time.perf_counter()
    command = [str(CONSULT), *args]
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return round(time.perf_counter() - start, 1)


# --- the databases ------------------------------------------------------------------------------


class Unavailable(Exception):
    """The database server cannot be reached: that database is skipped."""


def database_url(kind: str, folder: Path) -> str:
    """A fresh database: a file, or PG_DATABASE created anew (never the tests' `test`)."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'consult.db'}"
    import psycopg

    assert PG_DATABASE != "test", "the test suite's database is never benchmarked"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    except psycopg.OperationalError as error:
        raise Unavailable(f"PostgreSQL at {PG_ADMIN_URL} does not answer: {error}") from None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_DATABASE}"


def drop_database(kind: str) -> None:
    if kind == "postgresql":
        import psycopg

        with (
            contextlib.suppress(psycopg.OperationalError),
            psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as connection,
        ):
            connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")


def environment(url: str, folder: Path, page_cache_seconds: int | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env.update(
        CONSULT_DATABASE_URL=url,
        CONSULT_DATA_DIR=str(folder),
        CONSULT_RATE_LIMITS="false",
        CONSULT_SECRET_KEY=secrets.token_hex(24),
    )
    if page_cache_seconds is not None:
        env["CONSULT_PAGE_CACHE_SECONDS"] = str(page_cache_seconds)
    return env


@dataclass
class Targets:
    slug: str
    busiest: str
    open_slug: str
    open_keys: list[str]
    staff_token: str
    tokens: list[str]
    references: list[str]


def prepare_targets(url: str, folder: Path, sessions: int) -> Targets:
    """What to request, read from the seeded database, and sign-in links with known tokens
    (as tests/conftest.py's sign_in makes them)."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from consult.accounts.models import SignInToken, User
    from consult.accounts.services import hash_token
    from consult.consultations.models import Comment, Consultation
    from consult.db import Database
    from consult.drafts.models import Clause
    from consult.responses.models import Synopsis
    from consult.settings import Settings

    database = Database(Settings(data_dir=folder, database_url=url))
    now = datetime.now(UTC)
    with database.session(write=True) as session:
        closed = session.exec(
            select(Consultation).join(Synopsis, Synopsis.consultation_id == Consultation.id)
        ).first()
        busiest = session.exec(
            select(Clause.key)
            .join(Comment, Comment.clause_id == Clause.id)
            .where(Comment.consultation_id == closed.id)
            .group_by(Clause.key)
            .order_by(func.count(Comment.id).desc())
        ).first()
        opened = session.exec(
            select(Consultation).where(Consultation.opens_at < now, Consultation.closes_at > now)
        ).first()
        keys = session.exec(
            select(Clause.key)
            .where(Clause.draft_id == opened.draft_id, col(Clause.depth) >= 1)
            .order_by(Clause.position)
            .limit(20)
        ).all()
        references = session.exec(
            select(Comment.reference)
            .where(Comment.consultation_id == closed.id)
            .order_by(Comment.id)
            .limit(64)
        ).all()
        emails = session.exec(
            select(User.email)
            .where(~col(User.is_secretariat), col(User.profile_completed_at).is_not(None))
            .order_by(User.id)
            .limit(sessions)
        ).all()
        tokens = {}
        for email in ["secretariat@example.org", *emails]:
            tokens[email] = secrets.token_urlsafe(24)
            session.add(
                SignInToken(
                    email=email,
                    token_hash=hash_token(tokens[email]),
                    expires_at=now + timedelta(hours=2),
                )
            )
    database.dispose()
    staff = tokens.pop("secretariat@example.org")
    return Targets(
        closed.slug,
        busiest,
        opened.slug,
        list(keys),
        staff,
        list(tokens.values()),
        list(references),
    )


# --- signing in ---------------------------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _cookie(headers: dict, current: str = "") -> str:
    value = headers.get("set-cookie") or headers.get("Set-Cookie") or ""
    match = re.match(r"(consult_session=[^;]+)", value)
    return match.group(1) if match else current


def sign_in(base: str, token: str, form_path: str) -> tuple[str, str]:
    """Follow a sign-in link like a browser; returns the session cookie and its CSRF token."""
    status, body, headers = get(base, f"/auth/link/{token}")
    assert status == 200, status
    cookie, csrf = _cookie(headers), CSRF.search(body.decode()).group(1)
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.request(
        "POST",
        f"/auth/link/{token}",
        body=urlencode({"csrf_token": csrf}),
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 303, response.status
    cookie = _cookie(dict(response.getheaders()), cookie)
    # Signing in starts a new session with a new token: a page with a form shows it.
    status, body, headers = get(base, form_path, {"Cookie": cookie})
    assert status == 200, status
    return _cookie(headers, cookie), CSRF.search(body.decode()).group(1)


# --- the endpoints ------------------------------------------------------------------------------


def endpoints(targets: Targets, staff: tuple[str, str], sessions: list) -> list[Endpoint]:
    base = f"/consultations/{targets.slug}"
    comments = []
    for number in range(max(len(sessions), 64)):
        cookie, csrf = sessions[number % len(sessions)]
        key = targets.open_keys[number % len(targets.open_keys)]
        form = {
            "csrf_token": csrf,
            "kind": ["general", "technical", "editorial"][number % 3],
            "publication": ["named", "unattributed", "confidential"][number % 3],
            "body": f"Load test comment {number}: the threshold in this clause should be "
            "lower for small smelters, and the guidance should say how it is measured.",
            "proposed_change": "" if number % 2 else "Replace 10% with 5%.",
        }
        comments.append(
            Request(
                "POST",
                f"/consultations/{targets.open_slug}/clauses/{quote(key)}/comment",
                {
                    "Cookie": cookie,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "HX-Request": "true",
                },
                urlencode(form),
            )
        )
    return [
        Endpoint("home", [Request("GET", "/")]),
        Endpoint("outline", [Request("GET", base)]),
        Endpoint("busiest clause", [Request("GET", f"{base}/clauses/{quote(targets.busiest)}")]),
        Endpoint(
            "response log (p. 1)", [Request("GET", f"{base}/responses", {"Cookie": staff[0]})]
        ),
        Endpoint("synopsis", [Request("GET", f"{base}/synopsis")], heavy=True),
        Endpoint("synopsis.csv", [Request("GET", f"{base}/synopsis.csv")], heavy=True),
        Endpoint(
            "search",
            [Request("GET", f"/search?{urlencode({'q': q})}") for q in SEARCHES],
        ),
        Endpoint("comment (POST)", comments, reads=False),
        # Anonymous readers of the clauses being commented on while comments arrive: every
        # comment retires the shared copies of public pages (consult/page_cache.py).
        Endpoint("9 reads : 1 comment", mixed(targets, comments), reads=False),
        # The secretariat at work: a response saved in place after every few views of the
        # log, each save retiring the kept copies of the log.
        Endpoint("log 4 views : 1 save", answering(targets, staff), reads=False),
    ]


def answering(targets: Targets, staff: tuple[str, str]) -> list[Request]:
    cookie, csrf = staff
    log = Request("GET", f"/consultations/{targets.slug}/responses", {"Cookie": cookie})
    requests = []
    for number, reference in enumerate(targets.references):
        form = {
            "csrf_token": csrf,
            "disposition": "noted",
            "response_markdown": f"Noted for the guidance (load test {number}).",
        }
        save = Request(
            "POST",
            f"/consultations/{targets.slug}/responses/{quote(reference)}",
            {
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
            },
            urlencode(form),
        )
        requests += [log] * 4 + [save]
    return requests


def mixed(targets: Targets, comments: list[Request]) -> list[Request]:
    requests = []
    for number, comment in enumerate(comments):
        key = quote(targets.open_keys[number % len(targets.open_keys)])
        read = Request("GET", f"/consultations/{targets.open_slug}/clauses/{key}")
        requests += [read] * 9 + [comment]
    return requests


def probe(base: str, endpoint: Endpoint) -> int:
    """Warm the endpoint and check it answers; returns the size of its first response."""
    sizes = []
    for request in endpoint.requests[:1] if endpoint.heavy else endpoint.requests[:5]:
        host, port = base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=300)
        connection.request(
            request.method, request.path, body=request.body or None, headers=request.headers
        )
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"{endpoint.name}: {request.path} answered {response.status}")
        sizes.append(len(body))
    return round(sum(sizes) / len(sizes))


# --- measuring ----------------------------------------------------------------------------------


class Bench:
    def __init__(self, args, folder: Path) -> None:
        self.args, self.folder = args, folder
        self.bare_env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
        self.bare_env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)

    def load(self, url: str, requests: list[Request], heavy: bool) -> loadgen.Result:
        if heavy:
            return loadgen.run_count(
                url,
                requests,
                count=self.args.heavy_requests,
                connections=self.args.heavy_connections,
                timeout=300,
            )
        return loadgen.run(
            url,
            requests,
            duration=self.args.duration,
            threads=self.args.threads,
            connections=self.args.connections,
            timeout=30,
            workdir=self.folder,
        )

    def database(self, kind: str) -> dict:
        try:
            return self._database(kind)
        finally:
            drop_database(kind)

    def _database(self, kind: str) -> dict:
        folder = self.folder / kind
        folder.mkdir()
        url = database_url(kind, folder)
        env = environment(url, folder, self.args.page_cache_seconds)
        say(f"{kind}: migrate and seed (scale {self.args.scale:g})")
        consult(["migrate"], env, folder)
        seeded = consult(["seed-bench", "--scale", str(self.args.scale)], env, folder)
        say(f"{kind}: seeded in {seeded} s; reindexing")
        indexed = consult(["reindex"], env, folder)
        targets = prepare_targets(url, folder, self.args.sessions)
        command = [str(CONSULT), "serve", "--no-worker"]
        report = {"seed_seconds": seeded, "reindex_seconds": indexed, "endpoints": {}}
        with (
            Server(command, env, folder / "server.log", "/") as server,
            Server(
                [sys.executable, "-m", "bench.bare_app"],
                self.bare_env,
                folder / "bare.log",
                "/page?bytes=100",
            ) as bare,
        ):
            form = (
                f"/consultations/{targets.open_slug}/clauses/{quote(targets.open_keys[0])}/comment"
            )
            staff = sign_in(server.url, targets.staff_token, form)
            sessions = [sign_in(server.url, token, form) for token in targets.tokens]
            for endpoint in endpoints(targets, staff, sessions):
                report["endpoints"][endpoint.name] = self.endpoint(server, bare, endpoint)
            report["peak_memory_mb"] = server.peak_memory_mb()
            report["bare_peak_memory_mb"] = bare.peak_memory_mb()
            clause = f"/consultations/{targets.slug}/clauses/{quote(targets.busiest)}"
            # The fragment an anonymous reader fetches most: search results as they type.
            results = f"/search?{urlencode({'q': SEARCHES[2]})}"
            report["page_weight"] = page_weight(server.url, clause, results)
        return report

    def endpoint(self, server: Server, bare: Server, endpoint: Endpoint) -> dict:
        size = probe(server.url, endpoint)
        load = os.getloadavg()[0]
        result = self.load(server.url, endpoint.requests, endpoint.heavy)
        yardstick = [Request("GET", f"/page?bytes={size}")]
        probe(bare.url, Endpoint("bare", yardstick, endpoint.heavy))
        baseline = self.load(bare.url, yardstick, endpoint.heavy)
        ratio = result.rps / baseline.rps if baseline.rps else 0.0
        row = result.as_dict() | {
            "bytes": size,
            "connections": self.args.heavy_connections if endpoint.heavy else self.args.connections,
            "bare_rps": round(baseline.rps, 1),
            "bare_p50_ms": round(baseline.p50_ms, 1),
            "ratio": round(ratio, 2),
            "read_page": endpoint.reads,
            "load_average_before": round(load, 2),
            "server_peak_memory_mb": server.peak_memory_mb(),
            "tool": result.tool,
        }
        say(
            f"  {endpoint.name:<20} {row['rps']:>8.1f} req/s  p50 {row['p50_ms']:>7.1f} ms  "
            f"p99 {row['p99_ms']:>8.1f} ms  bare {row['bare_rps']:>8.1f} req/s  ratio {ratio:.2f}"
        )
        return row


def page_weight(base_url: str, path: str, fragment: str) -> dict:
    """A first-time visitor's download of the page, from bench/page_weight.py (its per-file
    lists left out here)."""
    try:
        import httpx2

        from bench.page_weight import measure
    except ImportError as error:
        return {"skipped": f"page weight not measured: {error}"}
    with httpx2.Client(timeout=120) as client:
        result = measure(base_url, path, client, fragment)
    for visit in ("first_visit", "repeat_visit"):
        result[f"{visit}_files"] = len(result.pop(visit) or [])
    result.pop("fragment", None)
    return result


# --- reporting ----------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def machine() -> dict:
    memory = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    wrk, path = "", shutil.which("wrk")
    if path:
        wrk = subprocess.run([path, "--version"], capture_output=True, text=True).stdout  # noqa: S603
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(int(memory.group(1)) / 1024**2, 1) if memory else None,
        "load_tool": wrk.splitlines()[0].strip() if wrk else "python client",
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgresql_version(),
        # Other work on the machine shows here; the figures are only as quiet as it was.
        "load_average_at_start": [round(n, 2) for n in os.getloadavg()],
    }


def _postgresql_version() -> str:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=5) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.OperationalError:
        return "not reachable"


def table(report: dict) -> str:
    lines = []
    for kind, data in report["databases"].items():
        if "skipped" in data:
            lines.append(f"\n{kind}: skipped ({data['skipped']})")
            continue
        lines.append(
            f"\n{kind}: seed {data['seed_seconds']} s, reindex {data['reindex_seconds']} s, "
            f"server peak memory {data['peak_memory_mb']} MB (VmHWM)"
        )
        lines.append(
            f"{'endpoint':<20} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>9} "
            f"{'KB':>7} {'bare req/s':>10} {'ratio':>6} {'errors':>7} {'peak MB':>8}"
        )
        for name, row in data["endpoints"].items():
            flag = " <" if row["read_page"] and row["ratio"] < TARGET_RATIO else ""
            lines.append(
                f"{name:<20} {row['connections']:>5} {row['rps']:>8.1f} {row['p50_ms']:>8.1f} "
                f"{row['p99_ms']:>9.1f} {row['bytes'] / 1024:>7.0f} {row['bare_rps']:>10.1f} "
                f"{row['ratio']:>6.2f} {sum(row['errors'].values()):>7} "
                f"{row['server_peak_memory_mb']:>8.0f}{flag}"
            )
        weight = data["page_weight"]
        if "skipped" in weight:
            lines.append(weight["skipped"])
        else:
            lines.append(
                f"busiest clause page weight: first visit {weight['first_visit_bytes']:,} bytes "
                f"({weight['first_visit_files']} files), repeat visit "
                f"{weight['repeat_visit_bytes']:,} bytes, within budget: {weight['within_budget']}"
            )
    lines.append(f"\n< marks a read page under the {TARGET_RATIO} ratio target")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--heavy-connections", type=int, default=2)
    parser.add_argument(
        "--heavy-requests", type=int, default=6, help="requests per heavy endpoint (not timed)"
    )
    parser.add_argument("--sessions", type=int, default=32, help="signed-in commenters")
    parser.add_argument("--output", type=Path, default=RESULTS / "load.json")
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        help="the server's CONSULT_PAGE_CACHE_SECONDS (default: its own); 0 makes every page",
    )
    args = parser.parse_args()
    started = time.monotonic()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {
            "scale": args.scale,
            "duration_s": args.duration,
            "threads": args.threads,
            "connections": args.connections,
            "heavy_connections": args.heavy_connections,
            "heavy_requests": args.heavy_requests,
            "signed_in_sessions": args.sessions,
            "page_cache_seconds": args.page_cache_seconds,
        },
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="consult-load-") as folder:
        bench = Bench(args, Path(folder))
        for kind in args.databases:
            try:
                report["databases"][kind] = bench.database(kind)
            except Unavailable as error:
                say(f"{kind}: skipped; {error}")
                report["databases"][kind] = {"skipped": str(error)}
    report["minutes"] = round((time.monotonic() - started) / 60, 1)
    args.output.parent.mkdir(exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table(report))
    say(f"wrote {args.output} in {report['minutes']} min")


if __name__ == "__main__":
    main()
