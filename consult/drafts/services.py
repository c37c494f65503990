"""Importing drafts and linking each clause to its predecessor in the previous version."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from sqlalchemy import func
from sqlmodel import Session, col, select

from consult.drafts.models import Clause, Draft, Standard
from consult.drafts.parser import DraftParseError, ParsedClause, parse_draft, slugify
from consult.errors import NotFound, ValidationError
from consult.i18n import lazy_gettext as _l

MAX_DRAFT_BYTES = 5 * 1024 * 1024
# A renumbered clause must share at least this much text with its predecessor.
SIMILARITY_THRESHOLD = 0.6
# Below this, a clause that kept its number was rewritten so much that the number is all that
# links it; a better text match elsewhere then wins.
SAME_KEY_THRESHOLD = 0.3


def standard_code(name: str) -> str:
    """Initials for references: "Performance Standard" -> "PS", "Chain of Custody" -> "COC"."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    return ("".join(w[0] for w in words).upper() or "STD")[:10]


def version_code(label: str) -> str:
    """ "V4 draft 1" -> "V4D1"; words shrink to their initial, numbers are kept whole."""
    parts = []
    for word in re.findall(r"[A-Za-z]+\d*|\d+", label):
        parts.append(word.upper() if any(ch.isdigit() for ch in word) else word[0].upper())
    return "".join(parts)[:20] or "V"


def decode_draft(data: bytes) -> str:
    if len(data) > MAX_DRAFT_BYTES:
        raise DraftParseError(_l("the file is larger than 5 MB"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DraftParseError(
            _l(
                "the file is not UTF-8 text (bad byte at position %(position)s); "
                "save it as UTF-8 Markdown and try again",
                position=error.start,
            )
        ) from None


def import_draft(
    session: Session,
    source: str,
    standard_name: str,
    version_label: str,
    filename: str = "",
    imported_by_id: int | None = None,
) -> Draft:
    """Parse `source` and store it as a new version of `standard_name`, all or nothing.

    Raises ValidationError for a missing name or label, or a version that already exists, and
    DraftParseError when the Markdown cannot be turned into clauses.
    """
    standard_name, version_label = standard_name.strip(), version_label.strip()
    errors = {}
    if not standard_name:
        errors["standard"] = _l("Give the standard's name.")
    if not version_label:
        errors["version"] = _l("Give the version, for example “V4 draft 1”.")
    if len(standard_name) > 200:
        errors["standard"] = _l("The standard's name can be at most 200 characters.")
    if len(version_label) > 100:
        errors["version"] = _l("The version can be at most 100 characters.")
    if errors:
        raise ValidationError(errors)
    parsed = parse_draft(source)

    standard = session.exec(select(Standard).where(Standard.name == standard_name)).first()
    if standard is None:
        standard = Standard(
            name=standard_name,
            slug=_free_slug(session, slugify(standard_name)),
            code=standard_code(standard_name),
        )
        session.add(standard)
        session.flush()
    elif session.exec(
        select(Draft).where(Draft.standard_id == standard.id, Draft.version_label == version_label)
    ).first():
        raise ValidationError(
            {
                "version": _l(
                    "%(standard)s already has a version “%(version)s”.",
                    standard=standard_name,
                    version=version_label,
                )
            }
        )
    previous = session.exec(
        select(Draft).where(Draft.standard_id == standard.id).order_by(Draft.id.desc())
    ).first()
    draft = Draft(
        standard_id=standard.id,
        version_label=version_label,
        version_code=version_code(version_label),
        previous_draft_id=previous.id if previous else None,
        source_filename=filename[:300],
        imported_by_id=imported_by_id,
    )
    session.add(draft)
    session.flush()
    clauses = [_clause_row(draft.id, position, item) for position, item in enumerate(parsed)]
    if previous:
        link_predecessors(clauses, clauses_of(session, previous.id))
    session.add_all(clauses)
    session.flush()
    return draft


def _clause_row(draft_id: int, position: int, item: ParsedClause) -> Clause:
    return Clause(
        draft_id=draft_id,
        key=item.key,
        number=item.number,
        title=item.title,
        heading=item.heading,
        level=item.level,
        depth=item.depth,
        position=position,
        parent_key=item.parent_key,
        body_markdown=item.body_markdown,
        body_html=item.body_html,
        source_line=item.source_line,
    )


def _comparable(clause: Clause) -> str:
    return " ".join(f"{clause.title} {clause.body_markdown}".lower().split())


def _similarity(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if (
        matcher.real_quick_ratio() < SIMILARITY_THRESHOLD
        or matcher.quick_ratio() < SIMILARITY_THRESHOLD
    ):
        return 0.0
    return matcher.ratio()


def link_predecessors(new: list[Clause], old: list[Clause]) -> None:
    """Link each new clause to the old clause it continues: the same key unless that text was
    rewritten beyond recognition, otherwise the most similar old clause not yet claimed."""
    old_by_key = {clause.key: clause for clause in old}
    old_text = {clause.id: _comparable(clause) for clause in old}
    claimed: set[int] = set()
    pending: list[Clause] = []
    for clause in new:
        same_key = old_by_key.get(clause.key)
        if same_key is not None:
            score = SequenceMatcher(None, _comparable(clause), old_text[same_key.id]).ratio()
            if score >= SAME_KEY_THRESHOLD:
                _link(clause, same_key, "key", score)
                claimed.add(same_key.id)
                continue
        pending.append(clause)
    for clause in pending:
        text = _comparable(clause)
        best, best_score = None, 0.0
        for candidate in old:
            if candidate.id in claimed:
                continue
            score = _similarity(text, old_text[candidate.id])
            if score > best_score:
                best, best_score = candidate, score
        if best is not None and best_score >= SIMILARITY_THRESHOLD:
            _link(clause, best, "similarity", best_score)
            claimed.add(best.id)
        elif clause.key in old_by_key and old_by_key[clause.key].id not in claimed:
            _link(clause, old_by_key[clause.key], "key", 0.0)
            claimed.add(old_by_key[clause.key].id)


def _link(clause: Clause, predecessor: Clause, method: str, score: float) -> None:
    clause.predecessor_id = predecessor.id
    clause.link_method = method
    clause.link_score = round(score, 3)


def clauses_of(session: Session, draft_id: int) -> list[Clause]:
    return list(
        session.exec(select(Clause).where(Clause.draft_id == draft_id).order_by(Clause.position))
    )


def get_draft(session: Session, draft_id: int) -> tuple[Draft, Standard]:
    row = session.exec(select(Draft, Standard).join(Standard).where(Draft.id == draft_id)).first()
    if row is None:
        raise NotFound(_l("There is no draft %(id)s.", id=draft_id))
    return row


def list_drafts(session: Session) -> list[tuple[Draft, Standard, int]]:
    counts = (
        select(Clause.draft_id, func.count(Clause.id).label("n"))
        .group_by(Clause.draft_id)
        .subquery()
    )
    rows = session.exec(
        select(Draft, Standard, func.coalesce(counts.c.n, 0))
        .join(Standard)
        .outerjoin(counts, counts.c.draft_id == Draft.id)
        .order_by(Standard.name, Draft.id.desc())
    )
    return list(rows)


def clauses_by_id(session: Session, ids: list[int]) -> dict[int, Clause]:
    if not ids:
        return {}
    return {c.id: c for c in session.exec(select(Clause).where(col(Clause.id).in_(ids)))}


def _free_slug(session: Session, base: str) -> str:
    """`base`, or `base-2`, `base-3`...: names that differ only in case, punctuation or a
    script the slug cannot spell ("铝标准" and "铝规范" both give "section") stay apart."""
    taken = set(
        session.exec(
            select(Standard.slug).where(col(Standard.slug).startswith(base, autoescape=True))
        )
    )
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug
