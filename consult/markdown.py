"""Markdown rendering for drafts and responses: CommonMark with tables, raw HTML never rendered."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt


@cache
def parser() -> MarkdownIt:
    # "html": False turns raw HTML into literal text; links are kept but markdown-it's
    # validateLink already refuses javascript:, vbscript: and data: (except images) URLs.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> str:
    html = parser().render(text)
    # Tables get Bootstrap's styling without the author writing any HTML.
    return html.replace("<table>", '<table class="table table-sm table-bordered">')
