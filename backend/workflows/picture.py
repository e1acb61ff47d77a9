"""A registered workflow's steps as a picture: cwltool's own drawing (what `cwltool --print-dot`
prints: inputs, steps and outputs, cwlviewer's style) laid out by Graphviz's `dot` as SVG.

Nothing here is hand-drawn: cwltool loads the document and writes the Graphviz graph,
Graphviz lays it out. Both are bounded: cwltool loads the registered text (already validated
and self-contained at registration) in a forked child, with validation's fetcher that reads
nothing but that text, killed after the workflow time limit (validation.in_child); `dot`
runs with the same time limit. A picture is kept per document checksum in this process (a
version's document changes only through an update, which changes its checksum).
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections import OrderedDict

from backend.errors import NotFound, ServiceUnavailable, Unprocessable
from backend.workflows import validation
from backend.workflows.documents import Limits

MEDIA_TYPE = "image/svg+xml"
_CACHE: OrderedDict[str, bytes] = OrderedDict()
_CACHE_SIZE = 64


def picture(text: str, checksum: str, limits: Limits) -> bytes:
    """The SVG picture of the workflow `text`; NotFound for a single tool (it has no steps to
    draw), Unprocessable when cwltool or Graphviz fail or take longer than `limits.timeout`."""
    if checksum in _CACHE:
        _CACHE.move_to_end(checksum)
        return _CACHE[checksum]
    outcome, value = validation.in_child(text, limits, _dot_answer)
    if outcome == "tool":
        raise NotFound(value)
    if outcome != "valid":
        reason = str(value).removeprefix("invalid CWL: ")
        raise Unprocessable(f"the workflow picture could not be drawn: {reason}")
    svg = _layout(value, limits.timeout)
    _CACHE[checksum] = svg
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return svg


def _dot_answer(text: str, limits: Limits) -> tuple[str, str]:
    """In the child: ("valid", Graphviz source) or ("tool" | "invalid", why)."""
    try:
        return _dot(text)
    except Exception as exc:  # cwltool's and schema-salad's own exceptions
        return "invalid", validation.DOCUMENT_PATH.sub(validation.DOCUMENT_NAME, str(exc)).strip()


def _dot(text: str) -> tuple[str, str]:
    from cwltool.context import LoadingContext
    from cwltool.cwlrdf import printdot
    from cwltool.load_tool import fetch_document, make_tool, resolve_and_validate_document
    from cwltool.workflow import default_make_tool

    validation.quiet_cwltool()
    loading = LoadingContext({"do_update": False, "construct_tool_object": default_make_tool,
                              "fetcher_constructor": validation.only_fetcher(text)})
    context, document, uri = fetch_document(validation.DOCUMENT_URI, loading)
    loading, uri = resolve_and_validate_document(context, document, uri)
    tool = make_tool(uri, loading)
    if tool.tool.get("class") != "Workflow":
        return "tool", f"a {tool.tool.get('class')} has no steps to draw: only a Workflow has a picture"
    out = io.StringIO()
    printdot(tool, loading.loader.ctx, out)
    source = out.getvalue()
    # A packed document's main process is `#main`: cwltool names its parts `main/<name>`; the
    # picture names them as the registry's summary does (`<name>`).
    fragment = str(tool.tool.get("id", "")).partition("#")[2]
    if fragment:
        source = source.replace(f"{fragment}/", "")
    return "valid", source


def _layout(source: str, timeout: float) -> bytes:
    if shutil.which("dot") is None:
        raise ServiceUnavailable("workflow pictures need Graphviz's dot program on the server")
    try:
        done = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise Unprocessable(f"the workflow picture took longer than {timeout:g} s to lay out") from None
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode(errors="replace").strip()[:500]
        raise Unprocessable(f"the workflow picture could not be laid out: {message}")
    return done.stdout
