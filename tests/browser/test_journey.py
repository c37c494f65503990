"""A first-time commenter's whole journey, in Chromium: from the home page to a comment with
its receipt on screen, in the mailbox and on the account page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import body_of, sign_in_link, sign_in_with_token, wait_for_mail
from tests.conftest import make_consultation, make_user

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"PS-V4D1-R1-\d{6}")
TITLE = "Performance Standard V4: first round"
COMMENT = "Consent must be sought before exploration starts, not only before mining."
CHANGE = "Obtain FPIC before any exploration or mining activity begins."


def test_first_comment_from_home_page_to_receipt(browser_page, live_server, live_db, smtp_server):
    page = browser_page
    make_consultation(live_db)
    email = "maria.quispe@example.org"

    # Find the clause, as a visitor.
    page.goto(live_server)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    page.get_by_role("link", name="9.4 Free, prior and informed consent").click()
    expect(page).to_have_url(re.compile(r"/clauses/9\.4$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "9.4 Free, prior and informed consent"
    )
    clause_url = page.url

    # Ask for a sign-in link, typing like a person.
    page.get_by_role("banner").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.get_by_label("Email address").click()
    page.keyboard.type(email)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # The link arrives by real SMTP; opening it only shows a button.
    mail = wait_for_mail(
        smtp_server, lambda m: str(m["To"]) == email and "/auth/link/" in body_of(m)
    )
    page.goto(sign_in_link(mail))
    expect(page.get_by_role("heading", name="Sign in to Consult")).to_be_visible()
    page.get_by_role("main").get_by_role("button", name="Sign in").click()

    # First time: the profile comes first, then back to the clause.
    expect(page).to_have_url(re.compile(r"/account/profile\?next="))
    expect(page.get_by_role("heading", name="Welcome: tell us who you are")).to_be_visible()
    page.get_by_role("textbox", name="Name", exact=True).fill("Maria Quispe")
    page.get_by_label("Organisation (optional)").fill("Comunidad Andina")
    page.get_by_label("Stakeholder category").select_option(
        label="Indigenous Peoples / affected community"
    )
    page.get_by_role("combobox", name="Country", exact=True).select_option(label="Peru")
    page.get_by_label("Preferred language").select_option(label="English")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(clause_url)
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Maria Quispe")).to_be_visible()

    # From here on, htmx swaps fragments: the page must never reload.
    navigations: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: navigations.append(frame.url) if frame == page.main_frame else None,
    )
    page.evaluate("() => { window.__sameDocument = true; }")

    page.get_by_role("link", name="Comment on clause 9.4").click()
    form = page.locator("#comment-form-section")
    expect(form.get_by_role("heading", name="Comment on clause 9.4")).to_be_visible()
    form.get_by_label("Technical").check()
    form.get_by_label("Your comment").fill(COMMENT)
    form.get_by_label("Proposed change (optional)").fill(CHANGE)
    form.get_by_label("Publish without attribution").check()
    form.get_by_role("button", name="Send comment").click()

    receipt_reference = page.locator("#receipt-reference")
    expect(receipt_reference).to_have_text(REFERENCE)
    reference = receipt_reference.inner_text().strip()
    expect(page.get_by_role("heading", name="Thank you: your comment is recorded")).to_be_focused()
    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    assert navigations == [], f"htmx should swap in place, but the page navigated: {navigations}"
    assert page.url == clause_url

    # The receipt also arrives by email.
    receipt = wait_for_mail(
        smtp_server, lambda m: str(m["To"]) == email and reference in str(m["Subject"])
    )
    assert reference in body_of(receipt)
    assert COMMENT in body_of(receipt)

    # And the account page lists it.
    page.get_by_role("link", name="See all your comments").click()
    expect(page).to_have_url(f"{live_server}/account")
    row = page.locator("#my-comments tbody tr").filter(has_text=reference)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("9.4 Free, prior and informed consent")


def test_comment_form_works_without_javascript(chromium_browser, live_server, live_db, smtp_server):
    consultation = make_consultation(live_db)
    user = make_user(live_db, email="ana@example.org", name="Ana Silva")
    context = chromium_browser.new_context(java_script_enabled=False, locale="en-GB")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        sign_in_with_token(page, live_db, user, live_server)
        clause_url = f"{live_server}/consultations/{consultation.slug}/clauses/9.4"
        page.goto(clause_url)

        # Without htmx the button is a plain link to the comment page.
        page.get_by_role("link", name="Comment on clause 9.4").click()
        expect(page).to_have_url(f"{clause_url}/comment")
        form = page.locator("#comment-form-section")
        form.get_by_label("Editorial").check()
        form.get_by_label("Your comment").fill("“Affected” should be defined in the glossary.")
        form.get_by_label("Publish with my name and organisation").check()
        form.get_by_role("button", name="Send comment").click()

        # The plain post redirects to the receipt page.
        expect(page).to_have_url(re.compile(r"/account/comments/PS-V4D1-R1-\d{6}$"))
        reference = page.url.rsplit("/", 1)[1]
        expect(page.locator("#receipt-reference")).to_have_text(reference)
        expect(page.get_by_role("status")).to_contain_text(
            f"Thank you. Your comment is recorded as {reference}."
        )
        receipt = wait_for_mail(
            smtp_server, lambda m: str(m["To"]) == user.email and reference in str(m["Subject"])
        )
        assert reference in body_of(receipt)
    finally:
        context.close()
