"""axe-core on the pages a commenter goes through, plus the checks a keyboard and screen-reader
user depends on: a working skip link and a label on every field of the comment form.

A failure lists each serious or critical violation with its rule, the elements and why, so the
templates can be fixed; the test is not to be relaxed to make it pass.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    describe_violations,
    run_axe,
    serious_violations,
    sign_in_with_token,
)
from tests.conftest import make_consultation, make_user

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "consultation": "/consultations/{slug}",
    "clause": "/consultations/{slug}/clauses/9.4",
    "sign-in": "/auth/login",
    "comment-form": "/consultations/{slug}/clauses/9.4/comment",
}
SIGNED_IN = {"comment-form"}


@pytest.fixture
def consultation(live_db):
    return make_consultation(live_db)


@pytest.fixture
def signed_in_page(browser_page, live_server, live_db):
    user = make_user(live_db, email="ana@example.org", name="Ana Silva")
    sign_in_with_token(browser_page, live_db, user, live_server)
    return browser_page


def assert_no_serious_violations(page, axe_source: str, name: str) -> None:
    violations = run_axe(page, axe_source)
    serious = serious_violations(violations)
    if serious:
        report = describe_violations(serious)
        pytest.fail(
            f"{len(serious)} serious or critical accessibility violation(s) on the {name} page "
            f"({page.url}):\n{report}",
            pytrace=False,
        )


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_finds_no_serious_violations(
    name, request, browser_page, live_server, live_db, consultation, axe_source
):
    page = request.getfixturevalue("signed_in_page") if name in SIGNED_IN else browser_page
    response = page.goto(live_server + PAGES[name].format(slug=consultation.slug))
    assert response is not None and response.ok, f"{name} page answered {response.status}"
    if name in SIGNED_IN:
        assert "/auth/login" not in page.url and "/account/profile" not in page.url
    page.wait_for_load_state("load")
    assert_no_serious_violations(page, axe_source, name)


def test_axe_on_comment_form_loaded_by_htmx(signed_in_page, live_server, consultation, axe_source):
    page = signed_in_page
    page.goto(f"{live_server}/consultations/{consultation.slug}/clauses/9.4")
    page.get_by_role("link", name="Comment on clause 9.4").click()
    expect(page.locator("#comment-form-section form")).to_be_visible()
    assert_no_serious_violations(page, axe_source, "clause page with the htmx comment form")


def test_skip_link_is_first_and_moves_focus_to_main(browser_page, live_server, consultation):
    page = browser_page
    page.goto(f"{live_server}/consultations/{consultation.slug}/clauses/9.4")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_have_count(1)
    expect(skip).to_have_attribute("href", "#main")
    expect(page.locator("main#main")).to_have_count(1)

    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visually hidden until focused, then shown
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_every_comment_form_field_has_a_label(signed_in_page, live_server, consultation):
    page = signed_in_page
    page.goto(f"{live_server}/consultations/{consultation.slug}/clauses/9.4/comment")
    form = page.locator("#comment-form-section form")
    expect(form).to_be_visible()
    fields = page.evaluate(
        """() => {
            const form = document.querySelector('#comment-form-section form');
            const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
            return [...form.querySelectorAll('input, select, textarea')]
                .filter((el) => el.type !== 'hidden' && visible(el))
                .map((el) => {
                    const byLabel = [...(el.labels || [])]
                        .map((label) => label.textContent.trim()).filter(Boolean);
                    const byAria = (el.getAttribute('aria-labelledby') || '').split(/\\s+/)
                        .map((id) => document.getElementById(id))
                        .filter(Boolean).map((node) => node.textContent.trim()).filter(Boolean);
                    const ariaLabel = (el.getAttribute('aria-label') || '').trim();
                    return {
                        field: el.outerHTML.slice(0, 160),
                        labels: [...byLabel, ...byAria, ...(ariaLabel ? [ariaLabel] : [])],
                    };
                });
        }"""
    )
    assert len(fields) >= 8, f"expected the comment form's fields, found {fields}"
    unlabelled = [field["field"] for field in fields if not field["labels"]]
    assert not unlabelled, "form fields without a label:\n" + "\n".join(unlabelled)
    # Radio groups are named by their fieldset's legend.
    for legend in ("Type of comment", "Publication"):
        expect(form.get_by_role("group", name=legend)).to_have_count(1)
