"""CWL validation with cwltool / schema-salad: the validator's own message, or a summary.

cwltool resolves a document by URI, so the text is written to a private temporary
directory and loaded from there; paths of that directory are removed from messages.
Only self-contained documents are accepted (packed, or with steps inline): a `run:`
pointing at another file could not be resolved when the workflow runs later.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
from pathlib import Path

from backend.errors import Unprocessable

DOCUMENT_NAME = "workflow.cwl"
MAX_DOCUMENT_SIZE = 2 * 1024 * 1024
# How the temporary copy's path appears in messages (absolute, relative or as a URI).
TEMPORARY_PATH = re.compile("[^\\s'\"]*/" + re.escape(DOCUMENT_NAME))


def _quiet_cwltool() -> None:
    # cwltool logs "Resolved ... to file:///tmp/..." at INFO for every document.
    for name in ("cwltool", "salad"):
        logging.getLogger(name).setLevel(logging.WARNING)


def validate(text: str) -> dict:
    """A summary of a valid CWL document: class, cwlVersion, inputs, outputs, steps, sha256.

    Unprocessable with the validator's message when it is not valid CWL.
    """
    if not isinstance(text, str) or not text.strip():
        raise Unprocessable("the CWL document is empty")
    if len(text.encode()) > MAX_DOCUMENT_SIZE:
        raise Unprocessable(f"the CWL document is larger than {MAX_DOCUMENT_SIZE} bytes")
    from cwltool.context import LoadingContext
    from cwltool.load_tool import fetch_document, resolve_and_validate_document

    _quiet_cwltool()  # after the import: cwltool sets its logger up when imported

    with tempfile.TemporaryDirectory(prefix="cwl-") as directory:
        path = Path(directory) / DOCUMENT_NAME
        path.write_text(text, encoding="utf-8")
        try:
            context, document, uri = fetch_document(str(path), LoadingContext({"do_update": False}))
            context, uri = resolve_and_validate_document(context, document, uri)
        except Exception as exc:  # schema-salad's ValidationException, YAML errors, ...
            # The temporary directory, however it is spelt (path, relative path, URI).
            below = re.compile("[^\\s'\"]*" + re.escape(Path(directory).name) + "/")
            message = below.sub("", TEMPORARY_PATH.sub(DOCUMENT_NAME, str(exc)))
            raise Unprocessable(f"invalid CWL: {message.strip()}") from None
        process = context.loader.idx.get(uri) if context.loader else None
    return _summary(document if process is None else process, text)


def _names(items) -> list[str]:
    if isinstance(items, dict):
        return sorted(items)
    return sorted(str(item.get("id", "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
                  for item in items or [] if isinstance(item, dict))


def _summary(document, text: str) -> dict:
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
        "steps": _names(main.get("steps")) if main.get("class") == "Workflow" else [],
        "checksum": "sha256:" + hashlib.sha256(text.encode()).hexdigest(),
    }
