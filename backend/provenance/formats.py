"""Serving PROV documents in every format, by content negotiation.

Serialisation is the `prov` library's (PROV-JSON, PROV-N, PROV-XML, and PROV-O through
rdflib for Turtle, N-Triples and JSON-LD); pictures are prov's Graphviz rendering (pydot,
and Graphviz's `dot` program). A format is chosen by `?f=<short name>` or by the Accept
header; a type we cannot serve is NotAcceptable (406).

Reading back: prov 1.5.1 reads PROV-JSON, PROV-XML and the RDF formats; it does not read
PROV-N. N-Triples carry no prefixes, so `parse` takes the namespaces to name things with
(those of the stored document) for the RDF formats.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

from prov.model import ProvDocument
from werkzeug.datastructures import MIMEAccept

from backend.errors import NotAcceptable


@dataclass(frozen=True)
class Format:
    short: str
    media_type: str
    prov_format: str  # prov's `format` argument, or "dot" for pictures
    rdf_format: str | None = None
    text: bool = True


FORMATS = (
    Format("json", "application/json", "json"),
    Format("provjson", "application/provenance+json", "json"),
    Format("provn", "text/provenance-notation", "provn"),
    Format("xml", "application/xml", "xml"),
    Format("provxml", "application/provenance+xml", "xml"),
    Format("textxml", "text/xml", "xml"),
    Format("ttl", "text/turtle", "rdf", "turtle"),
    Format("nt", "application/n-triples", "rdf", "nt"),
    Format("jsonld", "application/ld+json", "rdf", "json-ld"),
    Format("svg", "image/svg+xml", "dot", "svg"),
    Format("png", "image/png", "dot", "png", text=False),
)
BY_TYPE = {each.media_type: each for each in FORMATS}
BY_SHORT = {each.short: each for each in FORMATS}
DEFAULT = BY_TYPE["application/json"]


class _Accept(MIMEAccept):
    """werkzeug's parsed Accept header, matched without the client's media type parameters:
    werkzeug matches `text/turtle; charset=utf-8` only against an offer with exactly those
    parameters. Every text format here is UTF-8, so a charset parameter matches when it is
    utf-8 (any other is not offered); other parameters (a JSON-LD profile) do not narrow the
    choice. q-values and wildcards stay werkzeug's."""

    def _value_matches(self, value: str, item: str) -> bool:
        base, _, parameters = item.partition(";")
        for parameter in parameters.split(";"):
            name, _, setting = parameter.partition("=")
            if name.strip().lower() == "charset" and setting.strip().strip('"').lower() not in (
                    "utf-8", "utf8"):
                return False
        return super()._value_matches(value, base.strip())


def negotiate(accept, short: str | None) -> Format:
    """The format asked for: `short` (?f=) first, else the best match of the Accept header
    (werkzeug's MIMEAccept, given as parsed by request.accept_mimetypes), parameters
    tolerated (see _Accept); JSON when the client accepts anything."""
    if short:
        if short not in BY_SHORT:
            raise NotAcceptable(f"unknown format {short!r}: use one of {', '.join(BY_SHORT)}")
        return BY_SHORT[short]
    if not accept or not accept.values():
        return DEFAULT
    accept = _Accept(list(accept))
    best = accept.best_match([each.media_type for each in FORMATS], default=None)
    if best is None:
        raise NotAcceptable("provenance is served as " + ", ".join(BY_TYPE))
    return BY_TYPE[best]


def serialize(document: ProvDocument, chosen: Format) -> bytes:
    if chosen.prov_format == "dot":
        from prov.dot import prov_to_dot

        if shutil.which("dot") is None:
            raise NotAcceptable("pictures need Graphviz's dot program on the server: "
                                "ask for a PROV serialisation instead")
        return prov_to_dot(document).create(format=chosen.rdf_format)
    if chosen.prov_format == "rdf":
        text = document.serialize(format="rdf", rdf_format=chosen.rdf_format)
    elif chosen.prov_format == "provn":
        text = document.get_provn()
    else:
        text = document.serialize(format=chosen.prov_format, **(
            {"indent": 2} if chosen.prov_format == "json" else {}))
    return text.encode("utf-8") if isinstance(text, str) else text


def parse(content: bytes | str, chosen: Format, namespaces=()) -> ProvDocument:
    """A document from what `serialize` wrote (not PROV-N, not pictures)."""
    if chosen.prov_format in ("provn", "dot"):
        raise ValueError(f"prov cannot read {chosen.media_type}")
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    if chosen.prov_format != "rdf":
        return ProvDocument.deserialize(content=text, format=chosen.prov_format)
    import rdflib
    from prov.serializers.provrdf import ProvRDFSerializer

    graph = rdflib.ConjunctiveGraph()  # what prov 1.5.1 decodes (Dataset names its default graph)
    graph.parse(data=text, format=chosen.rdf_format)
    for namespace in namespaces:
        graph.bind(namespace.prefix, namespace.uri, override=False)
    document = ProvDocument()
    reader = ProvRDFSerializer()
    reader.document = document
    reader.decode_document(graph, document)
    return document
