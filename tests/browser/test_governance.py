"""A member follows a meeting in Chromium, from its agenda to its published minutes, while the
secretariat and the chair move the minutes along; axe checks the governance pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from governance import meetings, minutes
from tests.browser.helpers import (
    describe_violations,
    run_axe,
    serious_violations,
    sign_in_with_token,
)
from tests.conftest import make_user
from tests.governance.conftest import add_member, make_body, make_meeting

pytestmark = pytest.mark.browser


def assert_accessible(page, axe_source: str) -> None:
    violations = serious_violations(run_axe(page, axe_source))
    assert not violations, describe_violations(violations)


def test_a_member_follows_a_meeting_from_agenda_to_published_minutes(
    chromium_browser, browser_page, live_server, live_db, axe_source
):
    body = make_body(live_db)
    member = make_user(live_db, email="member@example.org", name="Member Person")
    chair = make_user(live_db, email="chair@example.org", name="Chair Person")
    staff = make_user(live_db, email="staff@example.org", name="Secretariat", staff=True)
    add_member(live_db, body, member)
    add_member(live_db, body, chair, role="chair", seat="Upstream value chain")
    meeting = make_meeting(live_db, body, days=-1, title="Standards Committee, March")
    with live_db.session(write=True) as session:
        meetings.add_agenda_item(
            session, meeting, "Clause 9.4 on consent", "Discuss the comments received.", []
        )
        minutes.save_text(session, meeting, "The committee agreed to redraft clause 9.4.")

    # The secretariat circulates the draft minutes from the meeting page.
    staff_page = chromium_browser.new_context(locale="en-GB").new_page()
    sign_in_with_token(staff_page, live_db, staff, live_server)
    staff_page.goto(f"{live_server}/meetings/{meeting.id}")
    staff_page.locator("#circulate-button").click()
    expect(staff_page.locator("#minutes-status")).to_have_attribute("data-status", "circulated")

    # The member finds the meeting through the Governance pages and reads agenda and draft.
    page = browser_page
    sign_in_with_token(page, live_db, member, live_server)
    page.goto(live_server)
    page.get_by_role("link", name="Governance").click()
    page.get_by_role("link", name="Standards Committee").first.click()
    assert_accessible(page, axe_source)
    page.get_by_role("link", name="Standards Committee, March").click()
    expect(page.locator("#meeting-title")).to_have_text("Standards Committee, March")
    expect(page.locator("#agenda")).to_contain_text("Clause 9.4 on consent")
    expect(page.locator("#minutes-status")).to_have_attribute("data-status", "circulated")
    expect(page.locator("#minutes-text")).to_contain_text("redraft clause 9.4")
    assert not serious_violations(run_axe(page, axe_source)), describe_violations(
        run_axe(page, axe_source)
    )

    # The chair approves; the secretariat publishes.
    chair_page = chromium_browser.new_context(locale="en-GB").new_page()
    sign_in_with_token(chair_page, live_db, chair, live_server)
    chair_page.goto(f"{live_server}/meetings/{meeting.id}")
    chair_page.locator("#approve-button").click()
    expect(chair_page.locator("#minutes-status")).to_have_attribute("data-status", "approved")
    staff_page.goto(f"{live_server}/meetings/{meeting.id}")
    staff_page.locator("#publish-button").click()
    expect(staff_page.locator("#minutes-status")).to_have_attribute("data-status", "published")

    # The member, and anyone, now reads the published version.
    page.reload()
    expect(page.locator("#minutes-v1")).to_contain_text("redraft clause 9.4")
    anonymous = chromium_browser.new_context(locale="en-GB").new_page()
    anonymous.goto(f"{live_server}/meetings/{meeting.id}")
    expect(anonymous.locator("#minutes-v1")).to_contain_text("redraft clause 9.4")
    for other in (staff_page, chair_page, anonymous):
        other.context.close()
