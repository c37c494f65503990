"""Themes: tags the secretariat puts on comments, per consultation."""

from __future__ import annotations

from sqlmodel import Session, col, select

from consult.responses.models import CommentTheme, Theme

MAX_THEME = 100


def parse_themes(text: str) -> list[str]:
    """ "Consent; FPIC ;consent" -> ["Consent", "FPIC"]: trimmed, first spelling kept."""
    seen: dict[str, str] = {}
    for part in text.replace(",", ";").split(";"):
        name = " ".join(part.split())[:MAX_THEME]
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return sorted(seen.values(), key=str.lower)


def theme_ids(session: Session, consultation_id: int, names: list[str]) -> dict[str, int]:
    """The ids of the named themes, creating the missing ones (matched case-insensitively)."""
    existing = {
        theme.name.lower(): theme
        for theme in session.exec(select(Theme).where(Theme.consultation_id == consultation_id))
    }
    ids = {}
    for name in names:
        theme = existing.get(name.lower())
        if theme is None:
            theme = existing[name.lower()] = Theme(consultation_id=consultation_id, name=name)
            session.add(theme)
            session.flush()
        ids[name] = theme.id
    return ids


def replace_themes(session: Session, comment_id: int, consultation_id: int, names: list[str]):
    wanted = set(theme_ids(session, consultation_id, names).values())
    links = list(session.exec(select(CommentTheme).where(CommentTheme.comment_id == comment_id)))
    for link in links:
        if link.theme_id not in wanted:
            session.delete(link)
    have = {link.theme_id for link in links}
    for theme_id in wanted - have:
        session.add(CommentTheme(comment_id=comment_id, theme_id=theme_id))


def themes_in_use(session: Session, consultation_id: int) -> list[Theme]:
    used = select(CommentTheme.theme_id)
    return list(
        session.exec(
            select(Theme)
            .where(Theme.consultation_id == consultation_id, col(Theme.id).in_(used))
            .order_by(Theme.name)
        )
    )
