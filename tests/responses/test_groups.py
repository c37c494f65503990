import pytest
from sqlmodel import select

from consult.responses.campaigns import find_clusters, normalise
from consult.responses.models import CommentGroup, ResponseHistory
from tests.conftest import csrf, make_consultation, make_user, sign_in
from tests.responses.conftest import make_comment, response_of, soup

CAMPAIGN = (
    "We, the undersigned, ask ASI to require free, prior and informed consent "
    "from every affected community before any new mine is opened in their territory."
)


@pytest.fixture
def staff(db):
    return make_user(db, email="secretariat@example.org", name="Sue Secretary", staff=True)


def groups_url(consultation):
    return f"/consultations/{consultation.slug}/responses/groups"


def test_normalise_ignores_case_spacing_and_punctuation():
    assert normalise("  Hello,   WORLD!!\n") == normalise("hello world")


def test_clusters_find_exact_and_near_identical_texts():
    texts = [
        (1, CAMPAIGN),
        (2, CAMPAIGN.upper()),
        (3, CAMPAIGN.replace("new mine", "new  mine,")),
        (4, CAMPAIGN + " Thank you"),  # one extra word: still ≥ 0.9 similar
        (5, "Scope 3 needs a definition."),
        (6, "Completely different point about recycling."),
    ]
    assert find_clusters(texts) == [[1, 2, 3, 4]]


def test_a_campaign_is_found_among_20000_distinct_comments():
    # How long this takes is measured by `make bench`, not asserted here.
    texts = [
        (i, f"Comment number {i} about clause {i % 50} and topic {i * 7}") for i in range(20_000)
    ]
    texts += [(20_000 + i, CAMPAIGN) for i in range(500)]
    assert [len(c) for c in find_clusters(texts)] == [500]


def test_campaign_is_proposed_accepted_and_answered_once(client, db, staff):
    consultation = make_consultation(db)
    members = [
        make_comment(db, consultation, body=CAMPAIGN, email=f"p{i}@example.org") for i in range(3)
    ]
    other = make_comment(db, consultation, body="A different point.")
    sign_in(client, db, staff)
    page = soup(client.get(groups_url(consultation)))
    (proposal,) = page.select(".proposal")
    assert "3 near-identical comments" in proposal.text
    form = proposal.select_one("form")
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    data["title"] = "FPIC before new mines (campaign)"
    answer = client.post(form["action"], data=data, follow_redirects=False)
    assert answer.status_code == 303
    with db.session() as session:
        group = session.exec(select(CommentGroup)).one()
    assert group.is_campaign
    assert all(response_of(db, c).group_id == group.id for c in members)
    assert response_of(db, other) is None
    assert soup(client.get(groups_url(consultation))).select_one("#no-proposals")
    # one response for the whole group
    group_url = answer.headers["location"]
    refused = client.post(
        group_url, data={"csrf_token": csrf(client, group_url), "disposition": "not_accepted"}
    )
    assert refused.status_code == 422
    assert all(response_of(db, c).disposition == "pending" for c in members)
    saved = client.post(
        group_url,
        data={
            "csrf_token": csrf(client, group_url),
            "disposition": "partially_accepted",
            "response_markdown": "FPIC is required in 9.4.",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    for comment in members:
        response = response_of(db, comment)
        assert (response.disposition, response.response_markdown) == (
            "partially_accepted",
            "FPIC is required in 9.4.",
        )
    with db.session() as session:
        history = session.exec(
            select(ResponseHistory).where(ResponseHistory.field == "disposition")
        ).all()
    assert len(history) == 3 and {h.via for h in history} == {"group"}


def test_synopsis_groups_comments_under_the_group_title(client, db, staff):
    consultation = make_consultation(db, opens_days=-100, closes_days=-30)
    a = make_comment(db, consultation, body=CAMPAIGN, email="a@example.org")
    b = make_comment(db, consultation, body=CAMPAIGN, email="b@example.org")
    sign_in(client, db, staff)
    client.post(
        groups_url(consultation),
        data={
            "csrf_token": csrf(client, groups_url(consultation)),
            "title": "FPIC campaign",
            "references": f"{a.reference}, {b.reference}",
        },
    )
    page = soup(client.get(f"/consultations/{consultation.slug}/synopsis"))
    heading = page.select_one(".synopsis-group")
    assert "FPIC campaign" in heading.text and "2 comments" in heading.text


def test_group_needs_a_title_and_known_references(client, db, staff):
    consultation = make_consultation(db)
    a = make_comment(db, consultation)
    sign_in(client, db, staff)
    answer = client.post(
        groups_url(consultation),
        data={
            "csrf_token": csrf(client, groups_url(consultation)),
            "title": "",
            "references": f"{a.reference} NOPE-1",
        },
    )
    assert answer.status_code == 422
    page = soup(answer)
    assert page.select_one("#title-error") and "NOPE-1" in page.select_one("#references-error").text
    with db.session() as session:
        assert session.exec(select(CommentGroup)).all() == []


def test_themes_are_set_inline_and_filter_the_log(client, db, staff):
    consultation = make_consultation(db)
    tagged = make_comment(db, consultation)
    make_comment(db, consultation)
    sign_in(client, db, staff)
    url = f"/consultations/{consultation.slug}/responses/{tagged.reference}"
    client.post(
        url,
        data={
            "csrf_token": csrf(client, url),
            "disposition": "accepted",
            "themes": "Consent; consent; Grievance",
        },
    )
    log = soup(client.get(f"/consultations/{consultation.slug}/responses"))
    options = {o.text: o["value"] for o in log.select("#filter-theme option") if o["value"]}
    assert set(options) == {"Consent", "Grievance"}
    filtered = soup(
        client.get(f"/consultations/{consultation.slug}/responses?theme={options['Consent']}")
    )
    assert [r["id"] for r in filtered.select("tr.log-row")] == [f"response-{tagged.reference}"]
    with db.session() as session:
        change = session.exec(
            select(ResponseHistory).where(ResponseHistory.field == "themes")
        ).one()
    assert (change.before, change.after) == ("", "Consent; Grievance")


@pytest.mark.parametrize("who", ["anonymous", "commenter"])
def test_group_routes_are_refused_to_all_but_the_secretariat(client, db, who, staff):
    consultation = make_consultation(db)
    a = make_comment(db, consultation, body=CAMPAIGN)
    b = make_comment(db, consultation, body=CAMPAIGN)
    if who == "commenter":
        sign_in(client, db, make_user(db, email="ana@example.org"))
    assert client.get(groups_url(consultation), follow_redirects=False).status_code == (
        303 if who == "anonymous" else 403
    )
    answer = client.post(
        groups_url(consultation),
        data={
            "csrf_token": csrf(client),
            "title": "x",
            "references": f"{a.reference} {b.reference}",
        },
    )
    assert answer.status_code == 403
    assert (
        client.post(
            groups_url(consultation) + "/1",
            data={"csrf_token": csrf(client), "disposition": "accepted"},
        ).status_code
        == 403
    )
    with db.session() as session:
        assert session.exec(select(CommentGroup)).all() == []
