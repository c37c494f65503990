from starlette.routing import Route

from consult.api import views
from consult.api.openapi import openapi

routes = [
    Route("/api/v1/openapi.json", openapi, name="api:openapi"),
    Route("/api/v1/standards", views.standards, name="api:standards"),
    Route("/api/v1/drafts", views.drafts, name="api:drafts"),
    Route("/api/v1/drafts/{draft_id}", views.draft, name="api:draft"),
    Route("/api/v1/drafts/{draft_id}/clauses", views.clauses, name="api:clauses"),
    Route("/api/v1/consultations", views.consultation_list, name="api:consultations"),
    Route("/api/v1/consultations/{slug}", views.consultation, name="api:consultation"),
    Route("/api/v1/consultations/{slug}/comments", views.comments, name="api:comments"),
    Route("/api/v1/consultations/{slug}/synopsis", views.synopsis, name="api:synopsis"),
]
