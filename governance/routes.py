from starlette.routing import Route

from governance import meeting_views, record_views, views

GET_POST = ["GET", "POST"]

routes = [
    Route("/bodies", views.bodies, name="governance:bodies"),
    Route("/bodies/new", views.new_body, methods=GET_POST, name="governance:new_body"),
    Route("/bodies/{slug}", views.body_detail, name="governance:body"),
    Route("/bodies/{slug}/terms", views.add_terms, methods=["POST"], name="governance:terms"),
    Route(
        "/bodies/{slug}/members/new", views.add_member, methods=GET_POST, name="governance:member"
    ),
    Route(
        "/bodies/{slug}/members/{membership_id}/end",
        views.end_term,
        methods=["POST"],
        name="governance:end_term",
    ),
    Route(
        "/bodies/{slug}/meetings/new",
        meeting_views.new_meeting,
        methods=GET_POST,
        name="governance:new_meeting",
    ),
    Route(
        "/bodies/{slug}/decisions/new",
        record_views.new_decision,
        methods=GET_POST,
        name="governance:new_decision",
    ),
    Route(
        "/bodies/{slug}/actions/new",
        record_views.new_action,
        methods=GET_POST,
        name="governance:new_action",
    ),
    Route(
        "/bodies/{slug}/meetings.ics",
        record_views.body_meetings_ics,
        name="governance:body_ics",
    ),
    Route("/meetings.ics", record_views.all_meetings_ics, name="governance:meetings_ics"),
    Route("/meetings/{meeting_id}", meeting_views.meeting_detail, name="governance:meeting"),
    Route(
        "/meetings/{meeting_id}/agenda",
        meeting_views.add_agenda_item,
        methods=["POST"],
        name="governance:agenda",
    ),
    Route(
        "/meetings/{meeting_id}/agenda/{item_id}/move",
        meeting_views.move_agenda_item,
        methods=["POST"],
        name="governance:agenda_move",
    ),
    Route(
        "/meetings/{meeting_id}/agenda/from-comments",
        meeting_views.agenda_from_comments,
        methods=["POST"],
        name="governance:agenda_from_comments",
    ),
    Route(
        "/meetings/{meeting_id}/attendance",
        meeting_views.record_attendance,
        methods=["POST"],
        name="governance:attendance",
    ),
    Route(
        "/meetings/{meeting_id}/minutes",
        meeting_views.save_minutes,
        methods=["POST"],
        name="governance:minutes",
    ),
    Route(
        "/meetings/{meeting_id}/minutes/comments",
        meeting_views.comment_on_minutes,
        methods=["POST"],
        name="governance:minutes_comment",
    ),
    Route(
        "/meetings/{meeting_id}/minutes/{step}",
        meeting_views.minutes_step,
        methods=["POST"],
        name="governance:minutes_step",
    ),
    Route(
        "/meetings/{meeting_id}/invite",
        meeting_views.invite,
        methods=["POST"],
        name="governance:invite",
    ),
    Route("/decisions", record_views.register, name="governance:decisions"),
    Route("/decisions.atom", record_views.decisions_atom, name="governance:decisions_atom"),
    Route("/decisions/{number}", record_views.decision_detail, name="governance:decision"),
    Route("/minutes.atom", record_views.minutes_atom, name="governance:minutes_atom"),
    Route("/actions", record_views.my_actions, name="governance:actions"),
    Route(
        "/actions/{action_id}/status",
        record_views.action_status,
        methods=["POST"],
        name="governance:action_status",
    ),
]
