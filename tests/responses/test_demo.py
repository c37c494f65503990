from consult.demo import load_demo
from tests.responses.conftest import soup


def test_demo_has_a_published_synopsis_honouring_publication_choices(client, db):
    with db.session(write=True) as session:
        load_demo(session)
    page = client.get("/consultations/performance-standard-v3-r2/synopsis")
    assert page.status_code == 200, page.text
    html = soup(page)
    assert "ASI Secretariat" in html.select_one("#published").text
    assert "Claire Dubois" in page.text  # named
    assert "Li Jun" not in page.text  # unattributed
    assert "Reports intimidation" in page.text  # the summary...
    assert "A security contractor" not in page.text  # ...never the confidential text
    assert "Amara" not in page.text


def test_demo_pages_work_for_the_secretariat(client, db):
    from sqlmodel import select

    from consult.accounts.models import User
    from tests.conftest import sign_in

    with db.session(write=True) as session:
        load_demo(session)
    with db.session() as session:
        staff = session.exec(select(User).where(User.email == "secretariat@example.org")).one()
    sign_in(client, db, staff)
    base = "/consultations/performance-standard-v4d1-r1"
    for path in ("/responses", "/responses/groups", "/responses/upload", "/responses/import"):
        assert client.get(base + path).status_code == 200, path
    log = soup(client.get(base + "/responses"))
    assert "Accepted" in log.select_one("#response-PS-V4D1-R1-000001 .disposition").text
    preview = soup(client.get(base + "/synopsis"))
    assert preview.select_one("#not-published") is not None
    assert preview.select_one("#publish-form") is None  # still open
