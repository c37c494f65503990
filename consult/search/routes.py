from starlette.routing import Route

from consult.search import views

routes = [Route("/search", views.search_page, name="search")]
