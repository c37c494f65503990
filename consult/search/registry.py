"""What can be searched: each domain registers a source that turns its records into documents."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event, insert
from sqlmodel import Session

from consult.search.models import IndexEntry
from consult.sqltypes import utcnow

PUBLIC = "public"
SECRETARIAT = "secretariat"


@dataclass
class Document:
    """One searchable record. `visibility` names who may see it: "public", "secretariat", or
    "members:<body id>"; `visible_from` holds back a public record until that instant."""

    kind: str
    record_id: int
    title: str
    content: str
    url: str
    visibility: str = PUBLIC
    visible_from: datetime | None = None
    clause_key: str = ""
    date: datetime | None = None
    facets: dict[str, str] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return f"{self.kind}:{self.record_id}"


@dataclass(frozen=True)
class Source:
    kind: str
    model: type
    # documents(session, ids) yields the documents for those record ids, or for every record
    # when ids is None. A record with nothing to index (deleted, not yet public) yields nothing.
    documents: Callable[[Session, list[int] | None], Iterator[Document]]
    # Records whose documents change when this one does (a consultation's comments).
    dependants: Callable[[Session, object], Iterable[tuple[str, int]]] | None = None


def no_documents(session: Session, ids: list[int] | None) -> Iterator[Document]:
    """For a record that is not searched itself but changes who may find others (a published
    synopsis, a body's minutes setting): it registers only for its dependants."""
    return iter(())


_sources: dict[str, Source] = {}
_by_model: dict[type, Source] = {}


def register(source: Source) -> None:
    _sources[source.kind] = source
    _by_model[source.model] = source


def sources() -> dict[str, Source]:
    return dict(_sources)


@event.listens_for(Session, "after_flush")
def _queue_changes(session: Session, _context) -> None:
    changed: set[tuple[str, int]] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        source = _by_model.get(type(obj))
        if source is None or getattr(obj, "id", None) is None:
            continue
        changed.add((source.kind, obj.id))
        if source.dependants and obj not in session.deleted:
            changed.update(source.dependants(session, obj))
    if changed:
        now = utcnow()
        rows = [
            {"kind": kind, "record_id": record_id, "queued_at": now}
            for kind, record_id in sorted(changed)
        ]
        session.connection().execute(insert(IndexEntry), rows)


# Who may see what: each function adds the scopes a signed-in user holds beyond "public".
_scope_providers: list[Callable[[Session, object], set[str]]] = []


def register_scopes(provider: Callable[[Session, object], set[str]]) -> None:
    if provider not in _scope_providers:
        _scope_providers.append(provider)


def scopes_for(session: Session, user) -> set[str]:
    scopes = {PUBLIC}
    if user is None:
        return scopes
    if getattr(user, "is_secretariat", False):
        scopes.add(SECRETARIAT)
    for provider in _scope_providers:
        scopes |= provider(session, user)
    return scopes
