"""Minutes: draft, circulated, approved, published; versions kept; who sees what."""

from sqlmodel import select

from governance.models import Body, Minutes, MinutesVersion
from tests.conftest import csrf, outbox
from tests.governance.conftest import act_as, soup


def _post(client, cast, path, **data):
    url = f"/meetings/{cast.meeting.id}"
    token = csrf(client, "/auth/login")
    return client.post(f"{url}{path}", data={"csrf_token": token, **data}, follow_redirects=False)


def _status(db, cast) -> str | None:
    with db.session() as session:
        minutes = session.exec(select(Minutes)).first()
        return minutes.status if minutes else None


def test_a_meeting_goes_from_agenda_to_published_minutes(client, db, cast):
    act_as(client, db, cast, "secretariat")
    assert _post(client, cast, "/agenda", title="Opening").status_code == 303
    assert _post(client, cast, "/minutes", text="We met. **Agreed** item 1.").status_code == 303
    assert _status(db, cast) == "draft"
    assert _post(client, cast, "/minutes/circulate").status_code == 303
    assert _status(db, cast) == "circulated"
    mails = [m for m in outbox(db) if "Draft minutes" in m.subject]
    assert sorted(m.to_address for m in mails) == ["chair@example.org", "member@example.org"]
    assert f"/meetings/{cast.meeting.id}#minutes" in mails[0].body_text
    # The member reads the circulated minutes; the chair approves them.
    act_as(client, db, cast, "member")
    page = soup(client.get(f"/meetings/{cast.meeting.id}"))
    assert page.select_one("#minutes-status")["data-status"] == "circulated"
    assert "Agreed" in page.select_one("#minutes-text").text
    assert not page.select_one("#approve-button")
    act_as(client, db, cast, "chair")
    assert soup(client.get(f"/meetings/{cast.meeting.id}")).select_one("#approve-button")
    assert _post(client, cast, "/minutes/approve").status_code == 303
    assert _status(db, cast) == "approved"
    act_as(client, db, cast, "secretariat")
    assert _post(client, cast, "/minutes/publish").status_code == 303
    client.cookies.clear()
    page = soup(client.get(f"/meetings/{cast.meeting.id}"))
    assert "Agreed" in page.select_one("#minutes-v1").text


def _to_state(client, db, cast, state: str, text="First text."):
    act_as(client, db, cast, "secretariat")
    _post(client, cast, "/minutes", text=text)
    for step, reached in [
        ("circulate", "circulated"),
        ("approve", "approved"),
        ("publish", "published"),
    ]:
        if _status(db, cast) == state:
            return
        assert _post(client, cast, f"/minutes/{step}").status_code == 303, step
        assert _status(db, cast) == reached


def test_approval_by_someone_not_chair_or_secretariat_is_refused(client, db, cast):
    _to_state(client, db, cast, "circulated")
    for who in ("member", "outsider", "anonymous"):
        act_as(client, db, cast, who)
        response = _post(client, cast, "/minutes/approve")
        assert response.status_code == 403, who
        assert _status(db, cast) == "circulated"


def test_steps_out_of_order_are_refused(client, db, cast):
    _to_state(client, db, cast, "draft")
    assert _post(client, cast, "/minutes/publish").status_code == 409
    assert _post(client, cast, "/minutes/approve").status_code == 409
    assert _post(client, cast, "/minutes/sing").status_code == 409
    assert _post(client, cast, "/minutes", text="   ").status_code == 422
    assert _status(db, cast) == "draft"
    other = cast.meeting.id + 1000
    assert (
        client.post(
            f"/meetings/{other}/minutes/circulate", data={"csrf_token": csrf(client)}
        ).status_code
        == 404
    )


def test_approval_at_a_later_meeting_is_recorded(client, db, cast):
    from tests.governance.conftest import make_meeting

    later = make_meeting(db, cast.body, days=30, title="Meeting 2")
    _to_state(client, db, cast, "circulated")
    foreign = _post(client, cast, "/minutes/approve", at_meeting="999999")
    assert foreign.status_code == 422 and _status(db, cast) == "circulated"
    assert _post(client, cast, "/minutes/approve", at_meeting=str(later.id)).status_code == 303
    with db.session() as session:
        assert session.exec(select(Minutes)).one().approved_at_meeting_id == later.id


def test_every_published_version_is_kept(client, db, cast):
    _to_state(client, db, cast, "published", text="Version one.")
    _to_state(client, db, cast, "published", text="Version two, corrected.")
    with db.session() as session:
        versions = session.exec(select(MinutesVersion).order_by(MinutesVersion.version)).all()
    assert [(v.version, v.text) for v in versions] == [
        (1, "Version one."),
        (2, "Version two, corrected."),
    ]
    client.cookies.clear()
    page = soup(client.get(f"/meetings/{cast.meeting.id}"))
    assert [a["id"] for a in page.select(".minutes-version")] == ["minutes-v2", "minutes-v1"]


def test_unpublished_minutes_show_only_to_those_allowed(client, db, cast):
    _to_state(client, db, cast, "draft", text="Secret draft.")
    seen = {}
    for who in ("anonymous", "outsider", "member", "chair", "secretariat"):
        act_as(client, db, cast, who)
        seen[who] = "Secret draft." in client.get(f"/meetings/{cast.meeting.id}").text
    assert seen == {
        "anonymous": False,
        "outsider": False,
        "member": False,
        "chair": True,
        "secretariat": True,
    }
    _to_state(client, db, cast, "approved", text="Approved text.")
    for who, expected in [("anonymous", False), ("outsider", False), ("member", True)]:
        act_as(client, db, cast, who)
        assert ("Approved text." in client.get(f"/meetings/{cast.meeting.id}").text) is expected


def test_members_only_minutes_stay_with_members_when_published(client, db, cast):
    with db.session(write=True) as session:
        body = session.get(Body, cast.body.id)
        body.minutes_public = False
        session.add(body)
    _to_state(client, db, cast, "published", text="Members only text.")
    for who, expected in [
        ("anonymous", False),
        ("outsider", False),
        ("member", True),
        ("secretariat", True),
    ]:
        act_as(client, db, cast, who)
        assert (
            "Members only text." in client.get(f"/meetings/{cast.meeting.id}").text
        ) is expected, who


def test_members_comment_on_circulated_minutes(client, db, cast):
    from governance.models import MinutesComment

    _to_state(client, db, cast, "draft")
    act_as(client, db, cast, "member")
    assert _post(client, cast, "/minutes/comments", comment="Too early").status_code == 409
    act_as(client, db, cast, "secretariat")
    _post(client, cast, "/minutes/circulate")
    act_as(client, db, cast, "member")
    assert _post(client, cast, "/minutes/comments", comment="  ").status_code == 422
    response = client.post(
        f"/meetings/{cast.meeting.id}/minutes/comments",
        data={"csrf_token": csrf(client), "comment": "Item 2 <b>misses</b> my objection."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "Item 2 <b>misses</b>" in soup(response).select_one(".minutes-comment").text
    act_as(client, db, cast, "outsider")
    assert _post(client, cast, "/minutes/comments", comment="Me too").status_code == 403
    assert "misses" not in client.get(f"/meetings/{cast.meeting.id}").text
    act_as(client, db, cast, "secretariat")
    assert (
        "misses"
        in soup(client.get(f"/meetings/{cast.meeting.id}")).select_one("#minutes-comments").text
    )
    with db.session() as session:
        assert len(session.exec(select(MinutesComment)).all()) == 1
