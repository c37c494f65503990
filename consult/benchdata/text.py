"""Synthetic but plausible text for the benchmark data set.

Words follow Zipf's law, as real text does: a few function words are everywhere, domain words
are common, and a long tail of rare words (place names, companies, chemicals, laws) stands for
what makes each real comment findable. About one comment in seven is in French.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence


def _words(text: str) -> list[str]:
    return text.split()


# Most frequent first: the rank decides how often a word comes up.
ENGLISH = _words("""the of and to a in that is for be should this on with as are by not or it
it's we which from an at can all have has more must also their will there would these other
requirement requirements entity entities standard clause criterion companies company
community communities impacts impact risk risks local members member management process
information public reporting report assessment practice practices include including
indigenous peoples rights human water emissions greenhouse gas scope energy
consent free prior informed consultation stakeholders stakeholder affected women workers
worker safety health site sites operations operation supply chain suppliers supplier
audit auditors certification evidence policy policies guidance clarify clarity define
definition unclear ambiguous wording text propose proposed change changes replace delete
add adding remove removing clear consistent consistency aligned alignment international
framework frameworks national law laws legal compliance grievance mechanism mechanisms
remedy land tenure security forces tailings waste residue bauxite alumina aluminium
smelter smelters refinery mine mining mines recycling recycled scrap biodiversity
ecosystem ecosystems protected areas conservation offset offsets rehabilitation closure
plan plans monitoring disclosure transparency targets target reduction net zero
renewable electricity fuel carbon intensity lifecycle downstream upstream value material
materiality threshold thresholds percent years year period time timeline deadline
small medium enterprises cost costs burden feasible practical implementation
implement verified verification independent third party documented documentation
training capacity children child labour forced discrimination gender equality wages
living wage hours collective bargaining freedom association contractors contractor
occupational hazards chemicals hazardous substances spill spills air quality dust noise
heritage cultural sacred resettlement displacement livelihoods compensation benefit
sharing agreement agreements negotiation representatives institutions customary
decision making meaningful engagement dialogue ongoing continuous consistent approach
reference references annex glossary term terms meaning paragraph sentence example
examples applicable applies apply application exclude excluded exclusion scope
principle principles objective objectives intent purpose level levels expected
minimum maximum appropriate adequate significant significantly substantially relevant
specific specifically general generally therefore however because while where when
need needs needed ensure ensures demonstrate demonstrates shall may might could
existing new current previous version draft revision revised section""")

FRENCH = _words("""le la les de des du et à en un une que qui pour dans est sont ne pas plus
par sur au aux ce cette ces il elle nous vous doit doivent devrait peut être avoir
exigence exigences norme critère entité entreprises communautés locales peuples
autochtones droits humains consentement libre préalable éclairé consultation parties
prenantes eau émissions gaz effet serre énergie déchets résidus bauxite alumine
aluminium fonderie raffinerie mine biodiversité écosystèmes zones protégées
restauration fermeture plan suivi transparence objectifs réduction électricité
renouvelable carbone chaîne approvisionnement fournisseurs audit certification
preuves politique orientation clarifier définition ambigu texte proposons modifier
remplacer supprimer ajouter cohérence cadre international loi conformité plainte
mécanisme réparation foncier sécurité travailleurs santé femmes enfants travail forcé
discrimination salaire vital négociation collective liberté association sous-traitants
patrimoine culturel réinstallation moyens subsistance indemnisation partage bénéfices
accord représentants institutions coutumières décision dialogue continu approche
référence annexe glossaire terme paragraphe phrase exemple applicable champ principe
objectif niveau minimum significatif pertinent spécifique cependant lorsque afin
garantir démontrer existant nouveau version projet révision section""")

_SYLLABLES = _words("ka lo mi ra te va su ne bo di ga ri to ma ze lu ko fa ni pe sa ta ur an el")


def _tail(count: int, rng: random.Random) -> list[str]:
    """Rare words: invented names standing for places, firms, rivers and acronyms."""
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


class Vocabulary:
    """Draws words by Zipf rank: weight 1 / (rank + 2.7) ** 1.1, Mandelbrot's fit to text."""

    def __init__(self, words: Sequence[str], rng: random.Random) -> None:
        self.words = list(words)
        self.cumulative = list(
            itertools.accumulate(1 / (rank + 2.7) ** 1.1 for rank in range(len(self.words)))
        )
        self.rng = rng

    def words_for(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)


class TextMaker:
    """Sentences, comments, responses and minutes in English or French."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        tail = _tail(2500, rng)
        self.english = Vocabulary(ENGLISH + tail, rng)
        self.french = Vocabulary(FRENCH + tail[:800], rng)

    def sentence(self, french: bool = False, length: int | None = None) -> str:
        length = length or self.rng.randint(6, 24)
        words = (self.french if french else self.english).words_for(length)
        if self.rng.random() < 0.08:
            words.insert(self.rng.randrange(len(words)), f"{self.rng.randint(2, 60)}%")
        return " ".join(words).capitalize() + ("?" if self.rng.random() < 0.1 else ".")

    def paragraph(self, french: bool = False, sentences: tuple[int, int] = (1, 4)) -> str:
        return " ".join(self.sentence(french) for _ in range(self.rng.randint(*sentences)))

    def comment(self, french: bool, clause_number: str | None) -> str:
        """One to several paragraphs, now and then quoting the clause or listing points."""
        rng = self.rng
        openers_en = [
            "We suggest that",
            "The requirement in",
            "It is unclear whether",
            "Please clarify how",
            "We support the intent but",
            "As a smelter we note that",
        ]
        openers_fr = ["Nous proposons que", "Il n'est pas clair si", "Nous soutenons l'objectif"]
        opener = rng.choice(openers_fr if french else openers_en)
        parts = [f"{opener} {self.sentence(french).lower()}"]
        if clause_number and rng.random() < 0.3:
            parts[0] += f" (clause {clause_number})"
        size = min(int(rng.lognormvariate(0.4, 0.8)) + 1, 12)
        for _ in range(size - 1):
            if rng.random() < 0.15:
                parts.append("\n".join(f"- {self.sentence(french, 8)}" for _ in range(3)))
            else:
                parts.append(self.paragraph(french))
        return "\n\n".join(parts)

    def title(self, words: int = 4) -> str:
        return " ".join(self.english.words_for(words)).capitalize()

    def requirement(self) -> str:
        """A clause body: requirements in the standard's voice, sometimes with a list."""
        rng = self.rng
        lines = [f"The entity shall {self.sentence(length=rng.randint(10, 30)).lower()}"]
        if rng.random() < 0.35:
            lines.append(
                "\n".join(f"- {self.sentence(length=9)}" for _ in range(rng.randint(2, 5)))
            )
        if rng.random() < 0.5:
            lines.append(f"Guidance: {self.paragraph(sentences=(1, 3))}")
        return "\n\n".join(lines)
