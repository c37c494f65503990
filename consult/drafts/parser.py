"""Turn a draft standard written in Markdown into an ordered list of clauses.

A heading whose text starts with a clause number (`9`, `9.4`, `9.4.1`) or with `Principle 9`
starts the clause with that key; its text runs to the next heading. Any other heading
(Introduction, Scope, Glossary) starts an unnumbered section keyed by its slug.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from consult.i18n import LazyString
from consult.i18n import lazy_gettext as _l
from consult.markdown import parser, render_markdown

NUMBERED = re.compile(r"^(?:principle\s+)?(\d+(?:\.\d+)*)\.?(?:\s*[:.\-–—]\s*|\s+|$)(.*)$", re.I)
MAX_KEY_LENGTH = 100
MAX_TITLE_LENGTH = 500  # the clauses.title column; the heading adds the number to it
LINE_BREAK = re.compile(r"\r\n|\r|\n")


class DraftParseError(ValueError):
    """The draft cannot be imported; `line` is 1-based when the problem has a place."""

    def __init__(self, message: LazyString, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else str(message))


@dataclass(frozen=True)
class ParsedClause:
    key: str
    number: str | None
    title: str
    heading: str
    level: int
    depth: int
    parent_key: str | None
    body_markdown: str
    body_html: str
    source_line: int


def slugify(text: str) -> str:
    normalized = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", normalized.lower()).strip("-")
    return slug[:60] or "section"


def split_heading(text: str) -> tuple[str | None, str]:
    """`"9.4 Free, prior and informed consent"` -> `("9.4", "Free, prior and informed consent")`."""
    match = NUMBERED.match(text.strip())
    if not match:
        return None, text.strip()
    number, title = match.group(1), match.group(2).strip()
    return number, title or text.strip()


@dataclass
class _Heading:
    line: int  # 0-based line of the heading
    body_start: int  # 0-based first line after the heading
    level: int
    text: str


def _headings(source: str) -> list[_Heading]:
    tokens = parser().parse(source)
    headings = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            inline = tokens[index + 1]
            headings.append(_Heading(token.map[0], token.map[1], int(token.tag[1]), inline.content))
    return headings


def parse_draft(source: str) -> list[ParsedClause]:
    """Parse `source`; raises DraftParseError naming the line of the first problem found."""
    if "\x00" in source:
        raise DraftParseError(_l("the file is not a text file"))
    # Lines as Markdown counts them (the headings' line numbers come from markdown-it): not
    # str.splitlines, which also breaks at U+2028, form feeds and the like, so that such a
    # character in one clause would shift the text of every clause after it.
    lines = LINE_BREAK.split(source)
    headings = _headings(source)
    if not headings:
        raise DraftParseError(_l("the draft has no headings, so it has no clauses to comment on"))

    clauses: list[ParsedClause] = []
    seen: dict[str, int] = {}
    stack: list[tuple[int, str]] = []  # (level, key) of the open ancestors

    preamble = "\n".join(lines[: headings[0].line]).strip()
    if preamble:
        clauses.append(_clause("preamble", None, "Preamble", "Preamble", 1, 0, None, preamble, 1))
        seen["preamble"] = 1

    for position, heading in enumerate(headings):
        number, title = split_heading(heading.text)
        if not title:
            raise DraftParseError(_l("a heading has no text"), heading.line + 1)
        key = number or _unique_slug(slugify(title), seen)
        if len(key) > MAX_KEY_LENGTH:
            raise DraftParseError(_l("the clause number is too long"), heading.line + 1)
        if len(title) > MAX_TITLE_LENGTH:
            raise DraftParseError(
                _l("the heading is too long: at most %(max)s characters", max=MAX_TITLE_LENGTH),
                heading.line + 1,
            )
        if key in seen:
            raise DraftParseError(
                _l(
                    "clause %(key)s appears twice (first on line %(first)s); "
                    "each clause number must be unique",
                    key=key,
                    first=seen[key],
                ),
                heading.line + 1,
            )
        seen[key] = heading.line + 1

        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        parent_key = _numbered_parent(number, seen) or (stack[-1][1] if stack else None)
        stack.append((heading.level, key))

        end = headings[position + 1].line if position + 1 < len(headings) else len(lines)
        body = "\n".join(lines[heading.body_start : end]).strip("\n")
        depth = len(stack) - 1
        clauses.append(
            _clause(
                key,
                number,
                title,
                heading.text.strip(),
                heading.level,
                depth,
                parent_key,
                body,
                heading.line + 1,
            )
        )
    return clauses


def _numbered_parent(number: str | None, seen: dict[str, int]) -> str | None:
    """9.4.1's parent is 9.4 when the draft has it, else 9."""
    if not number:
        return None
    parts = number.split(".")
    for length in range(len(parts) - 1, 0, -1):
        candidate = ".".join(parts[:length])
        if candidate in seen:
            return candidate
    return None


def _unique_slug(slug: str, seen: dict[str, int]) -> str:
    # Unnumbered headings repeat naturally ("Guidance" under each principle); numbers must not.
    candidate, counter = slug, 2
    while candidate in seen:
        candidate = f"{slug}-{counter}"
        counter += 1
    return candidate


def _clause(key, number, title, heading, level, depth, parent_key, body, line) -> ParsedClause:
    return ParsedClause(
        key=key,
        number=number,
        title=title,
        heading=heading,
        level=level,
        depth=depth,
        parent_key=parent_key,
        body_markdown=body,
        body_html=render_markdown(body),
        source_line=line,
    )
