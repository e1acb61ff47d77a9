"""Packing instructions as XML, built and read with xml.etree (never PRC's classes)."""

import base64
import json
import xml.etree.ElementTree as ET


def parse(body):
    # C clients may terminate the body with NULs; they are not XML.
    return ET.fromstring(body.replace(b"\0", b""))


def text(elem, name, default=""):
    found = elem.find(name)
    if found is None or found.text is None:
        return default
    return found.text


def integer(elem, name, default=0):
    value = text(elem, name, "")
    return int(float(value)) if value else default


def keyvals(elem):
    """KeyValPair_PI -> dict (keyWord/svalue repeat in parallel)."""
    kv = elem.find("KeyValPair_PI")
    if kv is None:
        return {}
    keys = [k.text or "" for k in kv.findall("keyWord")]
    values = [v.text or "" for v in kv.findall("svalue")]
    return dict(zip(keys, values))


def build(tag, fields):
    """fields: list of (name, value); value may be an Element, a list (repeated) or a scalar."""
    root = ET.Element(tag)
    for name, value in fields:
        if isinstance(value, ET.Element):
            root.append(value)
            continue
        for item in value if isinstance(value, list) else [value]:
            ET.SubElement(root, name).text = str(item)
    return root


def to_bytes(elem):
    return ET.tostring(elem, encoding="utf-8")


def json_from_binbytes(body):
    """BinBytesBuf_PI{buflen, buf=base64(JSON)} -> dict."""
    root = parse(body)
    raw = base64.b64decode(text(root, "buf"))
    return json.loads(raw.replace(b"\0", b"").decode() or "{}")


def binbytes_from_json(data):
    raw = json.dumps(data).encode()
    return to_bytes(build("BinBytesBuf_PI", [("buflen", len(raw)), ("buf", base64.b64encode(raw).decode())]))


def str_pi(value):
    return to_bytes(build("STR_PI", [("myStr", value)]))


def rerror(status, msg):
    """The error part of a failed reply, so PRC can show the server's explanation."""
    inner = build("RErrMsg_PI", [("status", status), ("msg", msg)])
    return to_bytes(build("RError_PI", [("count", 1), ("RErrMsg_PI", inner)]))
