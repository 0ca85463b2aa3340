"""htmx requests, told apart in one way: the plugin makes every request an HTMXRequest (`request.htmx`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Redirect
from litestar.status_codes import HTTP_401_UNAUTHORIZED


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """Whether htmx sent this request (its HX-Request header), to answer with a fragment or an HX- header."""
    return isinstance(request, HTMXRequest) and bool(request.htmx)


def to_sign_in(request: Request[Any, Any, Any], location: str) -> Response[Any]:
    """Not signed in (or the session ended): to `location`, the sign-in page, whatever was asked for.

    htmx would swap a redirect's page into the one on screen; HX-Redirect makes it load the whole page.
    """
    if is_htmx(request):
        return Response(None, status_code=HTTP_401_UNAUTHORIZED, headers={"HX-Redirect": location})
    return Redirect(location, status_code=303)
