"""How facets and their values are named on the page."""

from __future__ import annotations

from consult.i18n import lazy_gettext as _l
from consult.web import category_label

FACET_LABELS = {
    "kind": _l("Type of record"),
    "standard": _l("Standard"),
    "version": _l("Draft version"),
    "consultation": _l("Consultation"),
    "body": _l("Body"),
    "category": _l("Stakeholder category"),
    "disposition": _l("Disposition"),
    "year": _l("Year"),
}
KIND_LABELS = {
    "clause": _l("Clause"),
    "comment": _l("Comment"),
    "consultation": _l("Consultation"),
    "response": _l("Response"),
    "minutes": _l("Minutes"),
    "decision": _l("Decision"),
}


def facet_value(name: str, value: str) -> str:
    if name == "kind":
        return str(KIND_LABELS.get(value, value))
    if name == "category":
        return category_label(value) or value
    return value
