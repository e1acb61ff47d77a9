"""The web interface: a blueprint serving one HTML page and its static assets at /web/.

The page's JavaScript talks to the API over HTTP (fetch, a bearer token) like any other
client, so this package imports nothing from storage, workflows or provenance: the pages
carry no data, and loading them needs no token; every data call made by the page does.
Plain HTML, CSS and ES modules served as files: nothing to build, no CDN.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, render_template

# No inline script or style anywhere, so the policy can stay strict; 'self' covers the
# API's endpoints too (same origin). blob: lets a downloaded file be handed to the browser.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

blueprint = Blueprint("web", __name__, url_prefix="/web", static_folder="static",
                      template_folder="templates")


@blueprint.get("/")
def index():
    """The single page; the views (sign in, data, sessions, password) are routed in the
    browser by the URL's fragment, so a reload keeps the view."""
    return render_template("web/index.html")


@blueprint.after_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
