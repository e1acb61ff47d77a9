"""A finished job's outputs as STAC Items: one Item per output file, in a FeatureCollection.

STAC 1.0.0 Items with the Processing Extension 1.2.0 (what made the file: software and
versions, when, where, the CWL workflow, a lineage sentence) and the File Info Extension
2.1.0 (size and checksum of the asset and of each input). We know no footprint, so
`geometry` is null and there is no `bbox` (STAC allows that). The asset and the
`derived_from` links point at the files' download URLs on this API; `via` points at the
job's PROV record. A pure function of the run description (backend/provenance/describe.py).
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from backend.errors import BadRequest
from backend.provenance.describe import data_url, utc
from backend.storage.checksums import to_hex

STAC_VERSION = "1.0.0"
PROCESSING = "https://stac-extensions.github.io/processing/v1.2.0/schema.json"
FILE = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
# file:checksum is a multihash in hex: code 0x12 (sha2-256), then the digest length, 32 bytes.
SHA2_256_MULTIHASH = "1220"


def stac_items(run: dict) -> dict:
    """A GeoJSON FeatureCollection of STAC Items, one per entry of `run["outputs"]`, in order.

    Item ids are `<job id>-<port>-<n>`, n counting the files of that port from 0.
    """
    counts: dict[str, int] = {}
    features = []
    for output in run.get("outputs", []):
        index = counts.get(output["port"], 0)
        counts[output["port"]] = index + 1
        features.append(_item(run, output, index))
    return {"type": "FeatureCollection", "features": features}


def _item(run: dict, output: dict, index: int) -> dict:
    job, wf = run["job"], run["workflow"]
    name = PurePosixPath(output["path"]).name
    finished = utc(job.get("finished")) or utc(output.get("created"))
    properties = {
        "title": name,
        "description": (f"Output '{output['port']}' of job {job['id']} ({job['status']}), "
                        f"stored in iRODS at {output['path']}"),
        "datetime": utc(output.get("created")) or finished,
        "processing:software": _software(run),
        "processing:version": wf["version"],
        "processing:datetime": finished,
        "processing:expression": {"format": "cwl", "expression": wf["cwl"]},
        "processing:lineage": _lineage(run, output),
    }
    if properties["processing:datetime"] is None:
        del properties["processing:datetime"]  # no time at all: better absent than null
    if run["agents"].get("host"):
        properties["processing:facility"] = run["agents"]["host"]
    asset = {"href": data_url(run, output["path"]), "title": name, "roles": ["data"],
             **_file_fields(output)}
    if (kind := mimetypes.guess_type(name)[0]) is not None:
        asset["type"] = kind
    return {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": [PROCESSING, FILE],
        "id": f"{job['id']}-{output['port']}-{index}",
        "geometry": None,
        "properties": properties,
        "links": _links(run),
        "assets": {"data": asset},
    }


def _software(run: dict) -> dict:
    agents, wf = run["agents"], run["workflow"]
    apps = [agents["software"], agents["engine"], {"name": wf["name"], "version": wf["version"]}]
    # A version nobody recorded says nothing: leave that program out rather than write "".
    return {app["name"]: str(app["version"]) for app in apps if app.get("version")}


def _lineage(run: dict, output: dict) -> str:
    job, wf = run["job"], run["workflow"]
    # The step only if it is one: the jobs layer names the workflow when it knows no step.
    steps = {step["name"] for step in run.get("steps", [])}
    maker = f"step '{output['step']}' of workflow" if output.get("step") in steps else "workflow"
    inputs = "; ".join(f"{PurePosixPath(item['path']).name} (input '{item['port']}', {item['path']})"
                       for item in run.get("inputs", []))
    # We know which inputs the job had, not which of them this step read.
    source = f"from the job's inputs: {inputs}" if inputs else "from no input files"
    return f"Made by {maker} {wf['name']} {wf['version']} in job {job['id']}, {source}."


def _links(run: dict) -> list[dict]:
    links = []
    for item in run.get("inputs", []):
        link = {"rel": "derived_from", "href": data_url(run, item["path"]),
                "title": f"input '{item['port']}': {item['path']}", **_file_fields(item)}
        if (kind := mimetypes.guess_type(item["path"])[0]) is not None:
            link["type"] = kind
        links.append(link)
    urls = run["urls"]
    if urls.get("provenance"):
        links.append({"rel": "via", "href": urls["provenance"], "title": "PROV record of the job"})
    if urls.get("job"):
        links.append({"rel": "related", "href": urls["job"], "type": "application/json",
                      "title": "the job that made it"})
    return links


def _file_fields(item: dict) -> dict:
    fields = {}
    if item.get("size") is not None:
        fields["file:size"] = item["size"]
    if item.get("checksum"):
        try:
            fields["file:checksum"] = SHA2_256_MULTIHASH + to_hex(item["checksum"])
        except BadRequest:
            pass  # not a sha256 (an iRODS zone may use md5): say nothing rather than guess
    return fields


