"""The search page: a plain GET form that htmx refreshes as you type."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response

from consult.page_cache import cached_page
from consult.search.index import FACETS, request_rebuild, search
from consult.search.registry import scopes_for
from consult.web import Ctx, page, view

MAX_QUERY = 500


@cached_page
@view
def search_page(ctx: Ctx) -> Response:
    params = ctx.request.query_params
    text = params.get("q", "")[:MAX_QUERY]
    filters = {name: params[name] for name in FACETS if params.get(name)}
    try:
        page_number = max(1, min(int(params.get("page", "1")), 1000))
    except ValueError:
        page_number = 1
    results = search(
        ctx.app.state.search_index, text, scopes_for(ctx.db, ctx.user), filters, page_number
    )
    if results.unavailable:
        request_rebuild(ctx.app.state.db)
    base = ctx.url("search")

    def link(**changes: object) -> str:
        """This search with some parameters changed; None removes one."""
        params = {"q": text, **filters, **changes}
        return f"{base}?{urlencode({k: v for k, v in params.items() if v is not None})}"

    context = {"results": results, "filters": filters, "facet_names": FACETS, "link": link}
    return page(ctx, "search/search.html", context, partial="search/_results.html")
