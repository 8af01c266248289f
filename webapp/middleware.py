"""Request text no part of Likeness can store or look up: refused (or dropped) before any view sees it.

PostgreSQL refuses text holding a NUL character, so a NUL in the path or the query string would
fail whatever query it reached (an admin filter, a lookup) with a 500. Form fields and JSON bodies
are checked by the forms and serializers that read them; the body is not read here, so upload
limits keep answering as their views do.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

NUL = "\x00"
REASON = "The request holds a NUL character (%00), which no address or parameter may contain."


def refuse_nul(get_response):
    """Answer 400 for a NUL in the path or query string; ignore a cookie holding one, as a missing cookie."""

    def middleware(request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if NUL in name or NUL in value]:
            del request.COOKIES[name]
        if NUL in request.path or any(
            NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()
        ):
            return refused(request)
        return get_response(request)

    return middleware


def refused(request: HttpRequest) -> HttpResponse:
    """The 400 in the shape of the surface asked: MatchEngine's envelope, the partner API's detail, or text."""
    if request.path.startswith("/rest/"):
        method = request.path.strip("/").split("/")[-1].replace(NUL, "")
        return JsonResponse({"status": "fail", "error": [REASON], "method": method, "result": []}, status=400)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": REASON}, status=400)
    return HttpResponseBadRequest(REASON, content_type="text/plain; charset=utf-8")
