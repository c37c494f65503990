from starlette.routing import Route

from consult.responses import group_views, spreadsheet_views, synopsis_views, views

routes = [
    Route("/consultations/{slug}/responses", views.response_log, name="responses:log"),
    Route(
        "/consultations/{slug}/responses/export.csv",
        spreadsheet_views.export_csv,
        name="responses:export_csv",
    ),
    Route(
        "/consultations/{slug}/responses/export.xlsx",
        spreadsheet_views.export_xlsx,
        name="responses:export_xlsx",
    ),
    Route(
        "/consultations/{slug}/responses/upload",
        spreadsheet_views.upload_log,
        methods=["GET", "POST"],
        name="responses:upload",
    ),
    Route(
        "/consultations/{slug}/responses/groups",
        group_views.groups,
        methods=["GET", "POST"],
        name="responses:groups",
    ),
    Route(
        "/consultations/{slug}/responses/groups/{group_id}",
        group_views.group,
        methods=["GET", "POST"],
        name="responses:group",
    ),
    Route(
        "/consultations/{slug}/responses/import",
        spreadsheet_views.import_iso,
        methods=["GET", "POST"],
        name="responses:import",
    ),
    Route(
        "/consultations/{slug}/responses/{reference}",
        views.edit_response,
        methods=["GET", "POST"],
        name="responses:edit",
    ),
]

routes += [
    Route(
        "/consultations/{slug}/synopsis", synopsis_views.synopsis_page, name="responses:synopsis"
    ),
    Route(
        "/consultations/{slug}/synopsis/publish",
        synopsis_views.publish,
        methods=["POST"],
        name="responses:publish",
    ),
    Route("/consultations/{slug}/synopsis.csv", synopsis_views.synopsis_csv, name="responses:csv"),
    Route(
        "/consultations/{slug}/synopsis.xlsx", synopsis_views.synopsis_xlsx, name="responses:xlsx"
    ),
    Route(
        "/consultations/{slug}/synopsis.md", synopsis_views.synopsis_markdown, name="responses:md"
    ),
]
