"""CWL validation with cwltool / schema-salad: the validator's own message, or a summary.

All of it runs in a forked child with a time limit, so that a document that makes the
parsers or the validator work too long is refused and the child killed; the API worker is
never the one stuck. The child reads the text with bounds and checks it is self-contained
(documents.py), then cwltool loads it from a URI that only this text answers: its fetcher
refuses every other file and URL, so validating reads nothing from the host or the
network whatever the document says.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pickle
import re
import select
import signal
import urllib.parse

from backend.errors import RapydoError, Unprocessable
from backend.settings import Settings
from backend.workflows import documents
from backend.workflows.documents import DOCUMENT_NAME, Limits

# Where cwltool believes the document is; nothing is ever read from there.
DOCUMENT_URI = "file:///rapydo-submitted/" + DOCUMENT_NAME
CURRENT_VERSION = "v1.2"
# How that place appears in messages (absolute, relative or as a URI).
DOCUMENT_PATH = re.compile("[^\\s'\"]*/" + re.escape(DOCUMENT_NAME))


def quiet_cwltool() -> None:
    # cwltool logs "Resolved ... to file:///..." at INFO for every document.
    for name in ("cwltool", "salad"):
        logging.getLogger(name).setLevel(logging.WARNING)


def only_fetcher(text: str):
    """A schema-salad fetcher that knows the submitted text and refuses everything else."""
    from schema_salad.exceptions import ValidationException
    from schema_salad.fetcher import Fetcher

    class OnlyTheDocument(Fetcher):
        def __init__(self, *_, **__):
            pass

        def fetch_text(self, url, content_types=None):
            if urllib.parse.urldefrag(url)[0] != DOCUMENT_URI:
                raise ValidationException(f"{url} was not read: {documents.SELF_CONTAINED}")
            return text

        def check_exists(self, url):
            return urllib.parse.urldefrag(url)[0] == DOCUMENT_URI

        def urljoin(self, base_url, url):
            return urllib.parse.urljoin(base_url, url)

    return OnlyTheDocument


def validate(text: str, limits: Limits | None = None) -> dict:
    """A summary of a valid CWL document: class, cwlVersion, inputs, outputs, steps, sha256.

    Unprocessable with the reason when it is out of bounds, not self-contained, not valid
    CWL, or takes longer than `limits.timeout` to check; PayloadTooLarge when it is larger
    than `limits.max_size`. Without `limits`, the settings' defaults.
    """
    limits = limits or Limits.from_settings(Settings())
    documents.check_size(text, limits)
    # Imported and loaded here once, not in every child: cwltool and the schema of the
    # current CWL version (documents of older versions load theirs in the child).
    from cwltool import context, load_tool, process  # noqa: F401
    from schema_salad import fetcher  # noqa: F401

    quiet_cwltool()  # after the import: cwltool sets its logger up when imported
    process.get_schema(CURRENT_VERSION)
    outcome, value = in_child(text, limits)
    if outcome != "valid":
        raise Unprocessable(value)
    return {**value, "checksum": "sha256:" + hashlib.sha256(text.encode()).hexdigest()}


def in_child(text: str, limits: Limits, answer=None) -> tuple[str, object]:
    """The verdict of a forked child (`answer(text, limits)`, by default validation's), which
    is killed once `limits.timeout` seconds pass.
    Fork, not spawn: the child starts at once, with cwltool imported and its schema loaded.
    A bare os.fork ending in os._exit, not multiprocessing: multiprocessing runs its after-fork
    hooks in the child, and kombu's closes the parent's broker connection on the shared socket
    (the worker's next job submission then failed with 503)."""
    receiver, sender = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: answer, then leave without running any clean-up of the parent's
        os.close(receiver)
        try:
            with os.fdopen(sender, "wb") as pipe:
                pickle.dump((answer or _answer)(text, limits), pipe)
        finally:
            os._exit(0)
    os.close(sender)
    try:
        ready, _, _ = select.select([receiver], [], [], limits.timeout)
        if not ready:
            return "invalid", f"invalid CWL: checking it took longer than {limits.timeout:g} s"
        with os.fdopen(receiver, "rb", closefd=False) as pipe:
            return pickle.load(pipe)
    except (EOFError, pickle.UnpicklingError):  # the child died without a word (killed, out of memory)
        return "invalid", "invalid CWL: the validator stopped without an answer"
    finally:
        os.close(receiver)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _answer(text: str, limits: Limits) -> tuple[str, object]:
    try:
        documents.check_self_contained(documents.parse(text, limits))
        return "valid", _cwltool(text)
    except RapydoError as exc:
        return "invalid", exc.message
    except Exception as exc:  # schema-salad's ValidationException, ...
        message = DOCUMENT_PATH.sub(DOCUMENT_NAME, str(exc))
        return "invalid", f"invalid CWL: {message.strip()}"


def _cwltool(text: str) -> dict:
    from cwltool.context import LoadingContext
    from cwltool.load_tool import fetch_document, resolve_and_validate_document

    loading = LoadingContext({"do_update": False, "fetcher_constructor": only_fetcher(text)})
    context, document, uri = fetch_document(DOCUMENT_URI, loading)
    context, uri = resolve_and_validate_document(context, document, uri)
    process = context.loader.idx.get(uri) if context.loader else None
    # Plain JSON values: they cross a pipe, and the registry stores them as JSON.
    return json.loads(json.dumps(_summary(document if process is None else process)))


def _short(identifier) -> str:
    """`file:///tmp/x/workflow.cwl#main/count/out` -> `count/out` (packed `#main/` removed)."""
    name = str(identifier).rsplit("#", 1)[-1]
    return name[len("main/"):] if name.startswith("main/") else name


def _last(identifier) -> str:
    return _short(identifier).rsplit("/", 1)[-1]


def _names(items) -> list[str]:
    if isinstance(items, dict):
        return sorted(items)
    return sorted(_last(item.get("id", "")) for item in items or [] if isinstance(item, dict))


def _step_order(steps) -> list[str]:
    """Step names in an order cwltool could run them (a step after those it takes input
    from), ties by name: the order users read a job's steps in."""
    if isinstance(steps, dict) or not steps:
        return _names(steps)
    needs = {}
    for step in steps:
        sources = []
        for port in step.get("in") or []:
            source = port.get("source") if isinstance(port, dict) else None
            sources += source if isinstance(source, list) else [source] if source else []
        needs[_last(step.get("id", ""))] = {_short(source).split("/", 1)[0]
                                            for source in sources if "/" in _short(source)}
    order: list[str] = []
    while len(order) < len(needs):
        ready = sorted(name for name, after in needs.items()
                       if name not in order and after <= set(order) | (after - set(needs)))
        if not ready:  # a cycle (invalid CWL would not get here): keep the rest by name
            ready = sorted(set(needs) - set(order))
        order.extend(ready[:1])
    return order


def _plain_type(value):
    """A CWL type with the document's URIs taken out of names (`File`, `{"type": "array", ...}`)."""
    if isinstance(value, str):
        return _last(value) if "#" in value else value
    if isinstance(value, list):
        return [_plain_type(item) for item in value]
    if isinstance(value, dict):
        return {key: (_plain_type(item) if key in ("type", "items", "fields", "symbols") else item)
                for key, item in value.items() if key not in ("id", "doc", "label")}
    return value


def _input_specs(main) -> dict:
    """Per input port: its type and whether a job must give it (no default, not optional)."""
    items = main.get("inputs") or []
    if isinstance(items, dict):  # not resolved: cwltool always hands lists back
        return {}
    specs = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = _plain_type(item.get("type"))
        optional = "default" in item or kind == "null" or (isinstance(kind, list) and "null" in kind)
        specs[_last(item.get("id", ""))] = {"type": kind, "required": not optional}
    return specs


def _output_steps(main) -> dict:
    """Per output port of a workflow: the step that produces it (from its outputSource)."""
    steps = {}
    for item in main.get("outputs") or []:
        if isinstance(item, dict) and main.get("class") == "Workflow":
            source = item.get("outputSource")
            source = source[0] if isinstance(source, list) and source else source
            if isinstance(source, str) and "/" in _short(source):
                steps[_last(item.get("id", ""))] = _short(source).split("/", 1)[0]
    return steps


def _summary(document) -> dict:
    if isinstance(document, dict) and "$graph" in document:
        main = next((item for item in document["$graph"]
                     if str(item.get("id", "")).endswith("#main")), document["$graph"][0])
    else:
        main = document
    return {
        "class": main.get("class"),
        "cwl_version": main.get("cwlVersion") or document.get("cwlVersion"),
        "inputs": _names(main.get("inputs")),
        "outputs": _names(main.get("outputs")),
        "steps": _step_order(main.get("steps")) if main.get("class") == "Workflow" else [],
        "input_types": _input_specs(main),
        "output_steps": _output_steps(main),
    }
