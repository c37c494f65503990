"""Helpers for the browser tests (no fixtures here): mail polling, a quick sign-in, axe."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

from consult.accounts.models import SignInToken, User
from consult.accounts.services import hash_token
from consult.db import Database
from consult.sqltypes import utcnow

SIGN_IN_LINK = re.compile(r"https?://\S+/auth/link/[^\s]+")
SERIOUS = ("serious", "critical")


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",)) or message
    return part.get_content()


def wait_for_mail(
    inbox, matches: Callable[[EmailMessage], bool], timeout: float = 10.0
) -> EmailMessage:
    """Poll the aiosmtpd inbox until a message satisfies `matches`."""
    deadline = time.monotonic() + timeout
    while True:
        for message in list(inbox.messages):
            if matches(message):
                return message
        if time.monotonic() > deadline:
            seen = [(m["To"], m["Subject"]) for m in inbox.messages]
            raise AssertionError(f"no matching mail within {timeout:.0f} s; received: {seen}")
        time.sleep(0.1)


def sign_in_link(message: EmailMessage) -> str:
    match = SIGN_IN_LINK.search(body_of(message))
    assert match, f"the sign-in mail has no /auth/link/ URL:\n{body_of(message)}"
    return match.group(0)


def sign_in_with_token(page, db: Database, user: User, base_url: str) -> None:
    """Sign the browser in through the real link page, with a token we put in the database
    (the emailed-link journey is covered by test_journey)."""
    token = f"browser-token-{user.id}-{os.urandom(4).hex()}"
    with db.session(write=True) as session:
        session.add(
            SignInToken(
                email=user.email,
                token_hash=hash_token(token),
                expires_at=utcnow() + timedelta(minutes=30),
            )
        )
    page.goto(f"{base_url}/auth/link/{token}")
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/auth/link/" not in page.url, "signing in did not leave the link page"


def run_axe(page, axe_source: str) -> list[dict]:
    """Inject axe-core into the page and return its violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document)")
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} [{violation['impact']}]: {violation['help']}"
            f" ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    target: {target}")
            lines.append(f"      html: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"      why:  {summary[:400]}")
    return "\n".join(lines)


def serious_violations(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v.get("impact") in SERIOUS]
