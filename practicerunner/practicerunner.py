"""The Reflex app: registers pages and HTTP routes, nothing else."""

from __future__ import annotations

import gc

import reflex as rx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from practicerunner.auth import api as auth_api
from practicerunner.billing import api as billing_api
from practicerunner.calendars import api as calendar_api
from practicerunner.ui import pages_index  # noqa: F401  (imports every page module)
from practicerunner.ui.layout import PAGES


async def healthz(_request):  # type: ignore[no-untyped-def]
    return JSONResponse({"ok": True})


api = Starlette(
    routes=[
        *auth_api.ROUTES,
        *calendar_api.ROUTES,
        *billing_api.ROUTES,
        Route("/healthz", healthz),
    ]
)

app = rx.App(
    stylesheets=["/styles.css"],
    api_transformer=api,
)
for spec in PAGES:
    app.add_page(spec.component, route=spec.route, title=spec.title, on_load=spec.on_load or None)

# Everything loaded so far (modules, pages, the app) lives as long as the process. Freezing it
# keeps the garbage collector from rescanning it on every full collection: those pauses added
# about 50 ms to one request in twenty for large responses such as a calendar feed.
gc.freeze()
