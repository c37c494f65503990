"""The `consult` command, run as a user would, against a real database file."""

import os
import subprocess
import sys

import pytest

from tests.conftest import SAMPLE_DRAFT


@pytest.fixture
def run(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
    env["CONSULT_DATA_DIR"] = str(tmp_path / "data")

    def call(*args, check=True):
        result = subprocess.run(
            [sys.executable, "-m", "consult.cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        if check:
            assert result.returncode == 0, result.stderr
        return result

    call("migrate")
    return call


def test_import_create_and_staff(run, tmp_path):
    draft_file = tmp_path / "draft.md"
    draft_file.write_text(SAMPLE_DRAFT)
    imported = run(
        "import-draft",
        str(draft_file),
        "--standard",
        "Performance Standard",
        "--version",
        "V4 draft 1",
    )
    draft_id = imported.stdout.strip().splitlines()[-1]
    assert draft_id.isdigit()
    created = run(
        "create-consultation",
        "--draft",
        draft_id,
        "--title",
        "Round one",
        "--opens",
        "2027-01-10T09:00Z",
        "--closes",
        "2027-03-11T09:00+00:00",
    )
    assert created.stdout.strip().splitlines()[-1] == "performance-standard-v4d1-r1"
    short = run(
        "create-consultation",
        "--draft",
        draft_id,
        "--title",
        "Round two",
        "--round",
        "2",
        "--opens",
        "2027-04-01T00:00Z",
        "--closes",
        "2027-04-20T00:00Z",
        "--justification",
        "Editorial only",
    )
    assert short.stdout.strip().splitlines()[-1] == "performance-standard-v4d1-r2"
    assert "is on the secretariat" in run("create-staff", "sec@example.org", "--name", "Sec").stdout


def test_errors_are_clear_and_change_nothing(run, tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("# 1 A\n\n# 1 B\n")
    result = run("import-draft", str(bad), "--standard", "S", "--version", "V", check=False)
    assert (
        result.returncode == 2
        and "line 3" in result.stderr
        and "nothing was imported" in result.stderr
    )
    missing = run("import-draft", "nope.md", "--standard", "S", "--version", "V", check=False)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    dates = run(
        "create-consultation",
        "--draft",
        "1",
        "--title",
        "T",
        "--opens",
        "soon",
        "--closes",
        "later",
        check=False,
    )
    assert dates.returncode == 2 and "opens" in dates.stderr
    assert run("create-staff", "not-an-email", check=False).returncode == 2


def test_demo_loads_once(run):
    assert "demo loaded" in run("demo").stdout
    assert "already loaded" in run("demo").stdout


def test_reindex_rebuilds_the_search_index(run, tmp_path):
    run("demo")
    result = run("reindex")
    assert "100%" in result.stderr and "documents indexed" in result.stderr
    assert (tmp_path / "data" / "search").is_dir()
