from starlette.routing import Route

from consult.drafts import views

routes = [
    Route("/drafts", views.draft_list, name="drafts:list"),
    Route("/drafts/import", views.import_form, methods=["GET", "POST"], name="drafts:import"),
    Route("/drafts/{draft_id}", views.draft_detail, name="drafts:detail"),
]
