"""A draft standard of any number of clauses, in two versions, written as Markdown and
imported through `import_draft` like any secretariat upload."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from consult.benchdata.text import TextMaker

PRINCIPLES = [
    "Business Integrity",
    "Policy and Management",
    "Transparency",
    "Material Stewardship",
    "Greenhouse Gas Emissions",
    "Emissions, Effluents and Waste",
    "Water Stewardship",
    "Biodiversity",
    "Human Rights",
    "Labour Rights",
    "Occupational Health and Safety",
]
# Human rights and emissions draw the most criteria, as in the real standard.
PRINCIPLE_WEIGHTS = [4, 6, 4, 6, 10, 9, 8, 8, 14, 9, 7]
SECTIONS = ("Introduction", "Scope", "Glossary")


@dataclass
class Criterion:
    title: str
    body: str
    subs: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Principle:
    title: str
    body: str
    criteria: list[Criterion] = field(default_factory=list)


@dataclass
class DraftPlan:
    sections: dict[str, str]
    principles: list[Principle]

    def markdown(self) -> str:
        out = [
            f"# Introduction\n\n{self.sections['Introduction']}\n",
            f"# Scope\n\n{self.sections['Scope']}\n",
        ]
        for p, principle in enumerate(self.principles, start=1):
            out.append(f"# Principle {p}: {principle.title}\n\n{principle.body}\n")
            for c, criterion in enumerate(principle.criteria, start=1):
                out.append(f"## {p}.{c} {criterion.title}\n\n{criterion.body}\n")
                for s, (title, body) in enumerate(criterion.subs, start=1):
                    out.append(f"### {p}.{c}.{s} {title}\n\n{body}\n")
        out.append(f"# Glossary\n\n{self.sections['Glossary']}\n")
        return "\n".join(out)

    def count(self) -> int:
        return (
            len(self.sections)
            + len(self.principles)
            + sum(1 + len(c.subs) for p in self.principles for c in p.criteria)
        )


def _glossary(text: TextMaker) -> str:
    terms = ["Affected community", "FPIC", "Material", "Scope 3", "Tailings", "Grievance"]
    return "\n\n".join(f"**{term}**: {text.sentence()}" for term in terms)


def plan_draft(clauses: int, text: TextMaker, rng: random.Random) -> DraftPlan:
    """Exactly `clauses` clauses: three sections, the principles, then their criteria (some
    with sub-criteria) until the count is reached."""
    count = clauses - len(SECTIONS)
    if count < len(PRINCIPLES):
        raise ValueError(f"a draft needs at least {len(PRINCIPLES) + len(SECTIONS)} clauses")
    principles = [Principle(title, text.paragraph(sentences=(2, 3))) for title in PRINCIPLES]
    budget = count - len(principles)
    weights = PRINCIPLE_WEIGHTS[: len(principles)]
    shares = [int(budget * w / sum(weights)) for w in weights]
    for index in rng.sample(range(len(shares)), budget - sum(shares)):
        shares[index] += 1
    for principle, share in zip(principles, shares, strict=True):
        left = share
        while left > 0:
            criterion = Criterion(text.title(rng.randint(2, 6)), text.requirement())
            left -= 1
            while left > 0 and rng.random() < 0.18 and len(criterion.subs) < 3:
                criterion.subs.append((text.title(3), text.requirement()))
                left -= 1
            principle.criteria.append(criterion)
    if len(principles[8].criteria) >= 4:
        principles[8].criteria[3].title = "Free, Prior and Informed Consent (FPIC)"
    sections = {
        "Introduction": text.paragraph(sentences=(3, 6)),
        "Scope": text.paragraph(sentences=(2, 4)),
        "Glossary": _glossary(text),
    }
    plan = DraftPlan(sections, principles)
    assert plan.count() == clauses, (plan.count(), clauses)
    return plan


def revise(plan: DraftPlan, text: TextMaker, rng: random.Random) -> DraftPlan:
    """The next version: edited wording here and there, a few clauses rewritten, and one new
    criterion in Principle 5 that renumbers those after it (linked back by text similarity);
    the last criterion of Principle 10 goes, so the count stays the same."""
    principles = []
    for principle in plan.principles:
        criteria = []
        for criterion in principle.criteria:
            body = criterion.body
            roll = rng.random()
            if roll < 0.02:
                body = text.requirement()
            elif roll < 0.17:
                body = f"{body}\n\n{text.sentence()}"
            criteria.append(Criterion(criterion.title, body, list(criterion.subs)))
        principles.append(Principle(principle.title, principle.body, criteria))
    if len(principles[4].criteria) >= 2 and principles[9].criteria:
        removed = principles[9].criteria.pop()
        subs = [(text.title(3), text.requirement()) for _ in removed.subs]
        principles[4].criteria.insert(
            1, Criterion("Product carbon footprint", text.requirement(), subs)
        )
    return DraftPlan(dict(plan.sections), principles)
