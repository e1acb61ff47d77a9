"""The web interface: a blueprint serving one HTML page and its static assets at /web/.

The page's JavaScript talks to the API over HTTP (fetch, a bearer token) like any other
client, so this package imports nothing from storage, workflows or provenance: the pages
carry no data, and loading them needs no token; every data call made by the page does.
Plain HTML, CSS and ES modules served as files: nothing to build, no CDN.

Community projects add pages the way they add endpoints: each `projects/<p>/web/*.js` of the
chain (backend.projects.web_folders, handed to `init_app`) is an ES module exporting `title`
and `render(main, route)`, served at /web/projects/<p>/<file> and listed by /web/pages.json;
app.js routes it at `#/<file name>` and links it in the navigation.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, render_template, send_from_directory, url_for

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

PROJECT_PAGES_KEY = "rapydo.web.project_pages"
# A page's route, `#/<name>`: its file name without `.js`.
PAGE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

blueprint = Blueprint("web", __name__, url_prefix="/web", static_folder="static",
                      template_folder="templates")


@blueprint.get("/")
def index():
    """The single page; the views (sign in, data, sessions, password) are routed in the
    browser by the URL's fragment, so a reload keeps the view."""
    return render_template("web/index.html")


@blueprint.get("/pages.json")
def project_pages():
    """The loaded project's pages, for app.js: `{"pages": [{"name", "project", "module"}]}`
    (none with the default project). Like the page itself, no token: it names files only."""
    return {"pages": [{"name": name, "project": project,
                       "module": url_for("web.project_file", project=project, filename=f"{name}.js")}
                      for name, project in current_app.extensions[PROJECT_PAGES_KEY]["pages"].items()]}


@blueprint.get("/projects/<project>/<path:filename>")
def project_file(project: str, filename: str):
    """A file of a loaded project's web/ folder (its pages and what they import); 404 for a
    project that is not loaded. send_from_directory refuses any path leaving the folder."""
    folder = current_app.extensions[PROJECT_PAGES_KEY]["folders"].get(project)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename)


@blueprint.after_request
def security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def init_app(app: Flask, project_folders: dict[str, Path] | None = None) -> None:
    """`project_folders`: the project chain's web/ folders, root first (name -> folder). Each
    `*.js` directly in one is a page; an extending project's page replaces the extended one's
    of the same name. A file name that cannot be a route stops the start-up."""
    folders = dict(project_folders or {})
    pages: dict[str, str] = {}
    for project, folder in folders.items():
        for module in sorted(Path(folder).glob("*.js")):
            if not PAGE_NAME.match(module.stem):
                raise RuntimeError(f"{module}: a page's file name must match {PAGE_NAME.pattern} "
                                   "(plus .js): it is the page's route, #/<name>")
            pages[module.stem] = project
    app.extensions[PROJECT_PAGES_KEY] = {"folders": folders, "pages": pages}
    app.register_blueprint(blueprint)
