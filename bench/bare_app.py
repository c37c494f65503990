"""The yardstick for the load benchmark: a bare Starlette app whose one route renders a Jinja
template padded to a requested size, served by uvicorn with the settings `consult serve` uses.

    python -m bench.bare_app --port 8001
    GET /page?bytes=48000   ->  a 48,000-byte HTML page (give or take one row)

A Consult page's throughput divided by this one's, at the same size, says how much the
application itself (database, sessions, middleware, its templates) costs over the framework.
"""

from __future__ import annotations

import argparse
import functools

import uvicorn
from jinja2 import DictLoader, Environment, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css"></head>
<body>
<header class="navbar"><a class="navbar-brand" href="/">Consult</a></header>
<main class="container" id="main">
<h1>{{ title }}</h1>
{% for row in rows %}
<article class="card mb-3" id="row-{{ row.number }}">
  <div class="card-body"><h2 class="h6">{{ row.title }}</h2><p>{{ row.text }}</p></div>
</article>
{% endfor %}
</main>
</body>
</html>
"""
ROW_TEXT = (
    "Consent must be sought through the community's own institutions & not through a "
    "committee that the company sets up; the standard should say what happens when it is "
    "withheld <and> who decides."
)

templates = Environment(loader=DictLoader({"page.html": PAGE}), autoescape=select_autoescape())


@functools.cache
def rows_for(size: int) -> list[dict]:
    """Enough rows for the rendered page to reach `size` bytes."""
    template = templates.get_template("page.html")
    empty = len(template.render(title="Bare page", rows=[]).encode())
    one = len(template.render(title="Bare page", rows=[_row(1)]).encode()) - empty
    return [_row(n) for n in range(1, max(size - empty, 0) // one + 1)]


def _row(number: int) -> dict:
    return {"number": number, "title": f"Comment {number:06d}", "text": ROW_TEXT}


async def page(request: Request) -> HTMLResponse:
    try:
        size = min(int(request.query_params.get("bytes", "50000")), 50_000_000)
    except ValueError:
        size = 50_000
    html = templates.get_template("page.html").render(title="Bare page", rows=rows_for(size))
    return HTMLResponse(html)


app = Starlette(routes=[Route("/page", page)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    # As consult/cli.py's `serve` runs the application.
    uvicorn.run(
        app, host=args.host, port=args.port, workers=1, proxy_headers=True, log_level="info"
    )


if __name__ == "__main__":
    main()
