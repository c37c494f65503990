"""Queueing email: rendered in the recipient's language and written to the outbox table in the
caller's transaction, so a message exists exactly when the change behind it does."""

from __future__ import annotations

import uuid
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlmodel import Session

from consult import i18n
from consult.mail.models import OutboxMessage

MAX_SUBJECT = 300


class Outbox:
    def __init__(self, settings, templates_dir) -> None:
        self.settings = settings
        i18n.load_catalogs(settings.languages)
        self.templates = Environment(
            loader=FileSystemLoader(templates_dir / "email"),
            autoescape=False,  # noqa: S701 - plain-text mail; nothing here is HTML
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.templates.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
        self.templates.globals["base_url"] = settings.base_url

    def render(self, name: str, context: dict[str, Any], language: str) -> tuple[str, str]:
        with i18n.use_locale(language):
            subject = self.templates.get_template(f"{name}/subject.txt").render(context)
            body = self.templates.get_template(f"{name}/body.txt").render(context)
        subject = " ".join(subject.split())
        # A subject quoting a long title must not stop the mail (the column holds 300).
        if len(subject) > MAX_SUBJECT:
            subject = subject[: MAX_SUBJECT - 1].rstrip() + "…"
        return subject, body

    def queue(
        self,
        session: Session,
        to: str,
        name: str,
        context: dict[str, Any],
        language: str = "en",
        attachment: tuple[str, str, str] | None = None,
    ) -> OutboxMessage:
        """`attachment` is an optional text file: (filename, MIME type, text)."""
        subject, body = self.render(name, context, language)
        domain = self.settings.mail_from.rpartition("@")[2].strip("> ") or "localhost"
        message = OutboxMessage(
            message_id=f"<{uuid.uuid4().hex}@{domain}>",
            to_address=to,
            subject=subject,
            body_text=body,
        )
        if attachment is not None:
            message.attachment_name, message.attachment_type, message.attachment_text = attachment
        session.add(message)
        return message
