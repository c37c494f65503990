from starlette.routing import Route

from consult.accounts import views

routes = [
    Route("/auth/login", views.login, methods=["GET", "POST"], name="accounts:login"),
    Route("/auth/link/{token}", views.sign_in_link, methods=["GET", "POST"], name="accounts:link"),
    Route("/auth/logout", views.logout, methods=["POST"], name="accounts:logout"),
    Route("/account", views.account, name="accounts:account"),
    Route("/account/profile", views.profile, methods=["GET", "POST"], name="accounts:profile"),
    Route("/language", views.set_language, methods=["POST"], name="accounts:language"),
]
