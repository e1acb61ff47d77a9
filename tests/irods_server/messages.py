"""Packing instructions as XML, built and read with xml.etree (never PRC's classes)."""

import base64
import json
import xml.etree.ElementTree as ET


# iRODS reads packing instructions with its own scanner (packStruct), not an XML parser: the
# text between two tags is taken byte for byte, only the entities &lt; &gt; &amp; &quot; &apos;
# decoded. Clients rely on it: PRC escapes only & < >, so a value may carry \r (which an XML
# parser would turn into \n) or \x0b, \x0c and other C0 controls (which are not XML at all),
# e.g. the random first character of a scrambled password or an AVU. Before parsing, each such
# byte is swapped for a private-use character the body does not contain, and swapped back after.
_CONTROLS = bytes(c for c in range(1, 32) if c not in (9, 10))  # NUL is dropped; \t \n survive
_PRIVATE_BASES = (0xF700, 0xF800, 0xF900, 0xFA00, 0xE000, 0xE100)


def _stand_ins(body):
    for base in _PRIVATE_BASES:
        swaps = {c: chr(base + c).encode() for c in _CONTROLS}
        if not any(stand_in in body for stand_in in swaps.values()):
            return base, swaps
    raise ET.ParseError("no free private-use range for the control characters")


def _restore(root, base):
    back = {base + c: chr(c) for c in _CONTROLS}
    for elem in root.iter():
        if elem.text:
            elem.text = elem.text.translate(back)
        if elem.tail:
            elem.tail = elem.tail.translate(back)


def parse(body):
    """A packing instruction -> Element; raises ET.ParseError on what iRODS could not unpack."""
    # C clients may terminate the body with NULs; they are not data.
    body = bytes(body).replace(b"\0", b"")
    if not any(c in body for c in _CONTROLS):
        return ET.fromstring(body)
    base, swaps = _stand_ins(body)
    for control, stand_in in swaps.items():
        body = body.replace(bytes([control]), stand_in)
    root = ET.fromstring(body)
    _restore(root, base)
    return root


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
    # An empty field as <tag></tag>, as iRODS packs it: PRC's QUASI_XML parser (and iRODS's own
    # scanner) reads no self-closing <tag />.
    return ET.tostring(elem, encoding="utf-8", short_empty_elements=False)


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
