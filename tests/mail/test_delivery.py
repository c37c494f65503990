import io
from dataclasses import replace

from sqlmodel import select

from consult.db import Database
from consult.mail.models import OutboxMessage
from consult.mail.outbox import Outbox
from consult.mail.sender import ConsoleSender, SmtpSender, backoff, deliver_due
from consult.sqltypes import utcnow
from consult.web import TEMPLATES_DIR
from tests.conftest import free_port
from tests.conftest import run_async as run


def queue(database: Database, to="ana@example.org", language="en"):
    outbox = Outbox(database.settings, TEMPLATES_DIR)
    with database.session(write=True) as session:
        outbox.queue(
            session, to, "sign_in", {"link": "http://x/auth/link/abc", "minutes": 30}, language
        )


def rows(database):
    with database.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_mail_is_delivered_to_a_real_smtp_server(smtp_settings, smtp_server):
    database = Database(smtp_settings)
    queue(database, "ana@example.org")
    queue(database, "li@example.org")
    delivered = run(deliver_due(database, SmtpSender(smtp_settings)))
    assert delivered == 2
    assert [m["To"] for m in smtp_server.messages] == ["ana@example.org", "li@example.org"]
    assert "http://x/auth/link/abc" in smtp_server.messages[0].get_content()
    assert smtp_server.messages[0]["Message-ID"] == rows(database)[0].message_id
    assert all(row.sent_at for row in rows(database))
    # Nothing is sent twice.
    assert run(deliver_due(database, SmtpSender(smtp_settings))) == 0
    assert len(smtp_server.messages) == 2
    database.dispose()


def test_smtp_down_then_back_delivers_everything_once(settings, smtp_server):
    down = replace(settings, smtp_host="127.0.0.1", smtp_port=free_port())
    database = Database(down)
    queue(database)
    assert run(deliver_due(database, SmtpSender(down))) == 0
    [row] = rows(database)
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow()
    # Not due yet: the backoff holds it back.
    up = replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port)
    assert run(deliver_due(database, SmtpSender(up))) == 0
    with database.session(write=True) as session:
        stored = session.get(OutboxMessage, row.id)
        stored.next_attempt_at = utcnow()
        session.add(stored)
    assert run(deliver_due(database, SmtpSender(up))) == 1
    assert len(smtp_server.messages) == 1
    assert rows(database)[0].attempts == 2
    database.dispose()


def test_backoff_grows_and_is_capped():
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(20).total_seconds() == 3600


def test_console_sender_prints_the_message(settings):
    database = Database(settings)
    queue(database)
    stream = io.StringIO()
    assert run(deliver_due(database, ConsoleSender(stream))) == 1
    assert "http://x/auth/link/abc" in stream.getvalue()
    database.dispose()


def test_a_crashed_sender_s_claim_expires(settings):
    from consult.mail.sender import claim_batch

    database = Database(settings)
    queue(database)
    assert len(claim_batch(database)) == 1
    assert claim_batch(database) == []  # leased to the first sender
    with database.session(write=True) as session:
        row = session.exec(select(OutboxMessage)).one()
        row.claimed_until = utcnow()
        session.add(row)
    assert len(claim_batch(database)) == 1
    database.dispose()


def test_mail_is_written_in_the_recipient_language(settings):
    database = Database(settings)
    queue(database, language="fr")
    assert rows(database)[0].subject != "Your sign-in link for Consult"
    database.dispose()
