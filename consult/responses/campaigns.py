"""Groups of comments that raise the same point, and finding campaigns: near-identical text
sent by many people. Texts are normalised, bucketed by cheap keys (the exact normalised text,
its first words, its last words) and compared by word-shingle Jaccard similarity only within
a bucket and only against each cluster's first member, so 20,000 comments are not compared
pairwise."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from consult.accounts.models import User
from consult.consultations.models import Comment, Consultation
from consult.db import as_id
from consult.errors import NotFound, ValidationError
from consult.i18n import lazy_gettext as _l
from consult.responses.models import CommentGroup, Response
from consult.responses.services import apply_changes, validate_response

SIMILARITY = 0.9
KEY_WORDS = 6
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def shingles(normalised: str, size: int = 3) -> frozenset:
    words = normalised.split()
    if len(words) < size:
        return frozenset(words)
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass
class Proposal:
    comment_ids: list[int]
    references: list[str]
    sample: str

    @property
    def count(self) -> int:
        return len(self.comment_ids)


def find_clusters(texts: list[tuple[int, str]], threshold: float = SIMILARITY) -> list[list[int]]:
    """Clusters (of ids, two or more) of near-identical texts."""
    parent: dict[int, int] = {}

    def root(item: int) -> int:
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    normalised = {}
    for comment_id, text in texts:
        parent[comment_id] = comment_id
        normalised[comment_id] = normalise(text)
    cache: dict[int, frozenset] = {}

    def shingled(item: int) -> frozenset:
        if item not in cache:
            cache[item] = shingles(normalised[item])
        return cache[item]

    buckets: dict[tuple, list[int]] = {}
    for comment_id, _text in texts:
        words = normalised[comment_id].split()
        if not words:
            continue
        keys = [
            ("exact", normalised[comment_id]),
            ("head", " ".join(words[:KEY_WORDS])),
            ("tail", " ".join(words[-KEY_WORDS:])),
        ]
        for key in keys:
            representatives = buckets.setdefault(key, [])
            for other in representatives:
                if key[0] == "exact" or jaccard(shingled(comment_id), shingled(other)) >= threshold:
                    parent[root(comment_id)] = root(other)
                    break
            else:
                representatives.append(comment_id)
    clusters: dict[int, list[int]] = {}
    for comment_id, _text in texts:
        clusters.setdefault(root(comment_id), []).append(comment_id)
    return [sorted(ids) for ids in clusters.values() if len(ids) > 1]


def propose_campaigns(session: Session, consultation: Consultation) -> list[Proposal]:
    """Clusters of near-identical comments not yet in a group, largest first."""
    rows = list(
        session.exec(
            select(Comment.id, Comment.body, Comment.reference)
            .outerjoin(Response, Response.comment_id == Comment.id)
            .where(Comment.consultation_id == consultation.id, col(Response.group_id).is_(None))
            .order_by(Comment.id)
        )
    )
    by_id = {comment_id: (body, reference) for comment_id, body, reference in rows}
    clusters = find_clusters([(comment_id, body) for comment_id, body, _ref in rows])
    proposals = [
        Proposal(ids, [by_id[i][1] for i in ids], by_id[ids[0]][0][:300]) for ids in clusters
    ]
    return sorted(proposals, key=lambda p: (-p.count, p.comment_ids[0]))


def list_groups(session: Session, consultation: Consultation) -> list[tuple[CommentGroup, int]]:
    from sqlalchemy import func

    return list(
        session.exec(
            select(CommentGroup, func.count(Response.id))
            .outerjoin(Response, Response.group_id == CommentGroup.id)
            .where(CommentGroup.consultation_id == consultation.id)
            .group_by(CommentGroup.id)
            .order_by(CommentGroup.title)
        )
    )


def get_group(session: Session, consultation: Consultation, group_id: str) -> CommentGroup:
    group = session.get(CommentGroup, as_id(group_id)) if as_id(group_id) else None
    if group is None or group.consultation_id != consultation.id:
        raise NotFound(_l("This consultation has no such group."))
    return group


def members(session: Session, group: CommentGroup) -> list[Comment]:
    return list(
        session.exec(
            select(Comment)
            .join(Response, Response.comment_id == Comment.id)
            .where(Response.group_id == group.id)
            .order_by(Comment.id)
        )
    )


def create_group(
    session: Session,
    consultation: Consultation,
    title: str,
    references: list[str],
    user: User,
    is_campaign: bool = False,
) -> CommentGroup:
    """Group comments (by reference) under a title. Each keeps its own record; the change is
    in each one's history. Raises ValidationError."""
    title = " ".join(title.split())
    wanted = [ref.strip() for ref in references if ref.strip()]
    found = list(
        session.exec(
            select(Comment).where(
                Comment.consultation_id == consultation.id, col(Comment.reference).in_(wanted)
            )
        )
    )
    errors: dict = {}
    if not title:
        errors["title"] = _l("Give the group a title: the point its comments raise.")
    elif len(title) > 300:
        errors["title"] = _l("At most %(n)s characters.", n=300)
    missing = sorted(set(wanted) - {comment.reference for comment in found})
    if missing:
        errors["references"] = _l(
            "No comment of this consultation has the reference %(refs)s.",
            refs=", ".join(missing[:10]),
        )
    elif len(found) < 2:
        errors["references"] = _l("A group needs at least two comments.")
    if errors:
        raise ValidationError(errors)
    group = CommentGroup(consultation_id=consultation.id, title=title, is_campaign=is_campaign)
    session.add(group)
    session.flush()
    for comment in found:
        apply_changes(session, comment, {"group_id": group.id}, user, via="group")
    return group


def answer_group(
    session: Session, group: CommentGroup, values: dict[str, str], user: User
) -> list[Comment]:
    """One response for the whole group, recorded on each comment with its own history.
    Raises ValidationError."""
    comments = members(session, group)
    if not comments:
        raise ValidationError({"disposition": _l("This group has no comments.")})
    changes = validate_response(session, comments[0], values)
    changes.pop("confidential_summary", None)
    for comment in comments:
        apply_changes(session, comment, changes, user, via="group")
    return comments
