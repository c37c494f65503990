from starlette.routing import Route

from consult.consultations import feeds, views

routes = [
    Route("/", views.home, name="home"),
    Route("/consultations.atom", feeds.consultations_atom, name="consultations:atom"),
    Route(
        "/consultations/new",
        views.new_consultation,
        methods=["GET", "POST"],
        name="consultations:new",
    ),
    Route("/consultations/{slug}", views.detail, name="consultations:detail"),
    Route(
        "/consultations/{slug}/comments.csv", feeds.comments_csv, name="consultations:comments_csv"
    ),
    Route(
        "/consultations/{slug}/comments.json",
        feeds.comments_json,
        name="consultations:comments_json",
    ),
    Route(
        "/consultations/{slug}/record",
        views.record_on_behalf,
        methods=["GET", "POST"],
        name="consultations:record",
    ),
    Route("/consultations/{slug}/clauses/{key}", views.clause, name="consultations:clause"),
    Route(
        "/consultations/{slug}/clauses/{key}/comment",
        views.comment_form,
        methods=["GET", "POST"],
        name="consultations:comment",
    ),
    Route("/account/comments/{reference}", views.receipt, name="consultations:receipt"),
]
