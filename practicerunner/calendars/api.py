"""GET /calendar/<token>.ics: a clinician's private feed, for their calendar app.

An unknown, revoked or malformed token gets the same 404 with the same body, so the reply
tells nobody whether a token ever existed. The database work runs in a worker thread.
"""

from __future__ import annotations

import gzip

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from practicerunner.calendars.feed import FeedResult, render_feed
from practicerunner.core import clock
from practicerunner.core.db import session_scope

NOT_FOUND_BODY = b"Not found.\n"
# Compress bodies above this size when the client accepts gzip (calendar apps do).
GZIP_OVER = 1400

_COMMON = {
    # The URL is a secret: no shared cache, no referrer, no search engine.
    "Cache-Control": "private, max-age=300",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}


def not_found() -> Response:
    return Response(
        NOT_FOUND_BODY,
        status_code=404,
        media_type="text/plain",
        headers={**_COMMON, "Cache-Control": "no-store"},
    )


async def calendar_feed(request: Request) -> Response:
    # Any path under /calendar/ ending in .ics is answered here, so a mangled token (even one
    # with a slash) gets the same 404; other /calendar/... paths stay the calendar screen's.
    token = request.path_params.get("token", "")
    if_none_match = request.headers.get("if-none-match")

    def work() -> FeedResult | None:
        with session_scope() as s:
            return render_feed(s, token, clock.now(), if_none_match=if_none_match)

    result = await run_in_threadpool(work)
    if result is None:
        return not_found()
    headers = {**_COMMON, "ETag": result.etag, "Vary": "Accept-Encoding"}
    if result.body is None:
        return Response(status_code=304, headers=headers)
    body = result.body
    if len(body) > GZIP_OVER and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5, mtime=0)
        headers["Content-Encoding"] = "gzip"
    headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


ROUTES = [Route("/calendar/{token:path}.ics", calendar_feed, methods=["GET"])]
