"""A finished job's outputs as STAC Items: one Item per output file, in a FeatureCollection
(`GET /api/jobs/<id>/stac`), each also on its own (`.../stac/items/<item id>`), and the job as
a STAC Collection of them (`.../stac/collection`).

STAC 1.0.0 Items with the Processing Extension 1.2.0 (what made the file: software and
versions, when, where, the CWL workflow, a lineage sentence) and the File Info Extension
2.1.0 (size and checksum of the asset and of each input). We know no footprint, so
`geometry` is null and there is no `bbox` (STAC allows that). The asset and the
`derived_from` links point at the inputs' STAC Items where an input was the output of an
earlier job (`run["inputs"][i]["stac_item"]`, found by the API through the provenance store:
who generated the input), else at the input's download URL; `via` points at the job's PROV
record. The Collection (STAC 1.1.0, the current release; it may hold 1.0.0 Items) has the
global bbox (no footprint is known: the spec's advice for data without one), the job's start
and end as its temporal extent, the deployment's licence, and a link to each Item. Pure
functions of the run description (backend/provenance/describe.py); `run["urls"]["stac"]`,
where the API serves them, gives the self, parent and item links.
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


COLLECTION_VERSION = "1.1.0"
GLOBAL_BBOX = [-180.0, -90.0, 180.0, 90.0]
# Licence URLs with an SPDX id (STAC's `license`); any other is "other" with a license link.
SPDX = {"https://creativecommons.org/licenses/by/4.0/": "CC-BY-4.0",
        "https://creativecommons.org/publicdomain/zero/1.0/": "CC0-1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL-1.0"}
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def item_ids(job_id: str, outputs: list[dict]) -> list[tuple[str, dict]]:
    """(Item id, output) of each output file, in order: `<job id>-<port>-<n>`, n counting
    the files of that port from 0."""
    counts: dict[str, int] = {}
    found = []
    for output in outputs:
        index = counts.get(output["port"], 0)
        counts[output["port"]] = index + 1
        found.append((f"{job_id}-{output['port']}-{index}", output))
    return found


def stac_items(run: dict) -> dict:
    """A GeoJSON FeatureCollection of STAC Items, one per entry of `run["outputs"]`, in order."""
    return {"type": "FeatureCollection",
            "features": [_item(run, output, item_id)
                         for item_id, output in item_ids(run["job"]["id"], run.get("outputs", []))]}


def stac_item(run: dict, item_id: str) -> dict | None:
    """The Item `item_id` of the run; None when the run has none of that id."""
    for candidate, output in item_ids(run["job"]["id"], run.get("outputs", [])):
        if candidate == item_id:
            return _item(run, output, candidate)
    return None


def collection_id(job_id: str) -> str:
    return f"job-{job_id}"


def stac_collection(run: dict) -> dict:
    """The job as a STAC Collection (1.1.0) whose items are its output Items."""
    job, wf = run["job"], run["workflow"]
    licence = run.get("license") or DEFAULT_LICENSE
    started = utc(job.get("started")) or utc(job.get("created"))
    finished = utc(job.get("finished"))
    links = []
    base = run["urls"].get("stac")
    if base:
        links += [{"rel": "self", "href": f"{base}/collection", "type": "application/json"},
                  {"rel": "root", "href": f"{base}/collection", "type": "application/json"},
                  {"rel": "items", "href": base, "type": "application/geo+json",
                   "title": "all Items, as a FeatureCollection"}]
        links += [{"rel": "item", "href": f"{base}/items/{item_id}", "type": "application/geo+json",
                   "title": PurePosixPath(output["path"]).name}
                  for item_id, output in item_ids(job["id"], run.get("outputs", []))]
    if licence.startswith(("http://", "https://")):
        links.append({"rel": "license", "href": licence, "title": "licence of the data"})
    if run["urls"].get("provenance"):
        links.append({"rel": "via", "href": run["urls"]["provenance"], "title": "PROV record of the job"})
    if run["urls"].get("job"):
        links.append({"rel": "related", "href": run["urls"]["job"], "type": "application/json",
                      "title": "the job"})
    return {
        "type": "Collection",
        "stac_version": COLLECTION_VERSION,
        "stac_extensions": [],
        "id": collection_id(job["id"]),
        "title": f"Job {job['id']} of workflow {wf['name']} {wf['version']}",
        "description": (f"The outputs of job {job['id']} ({job['status']}) of {job['owner']}, "
                        f"made by workflow {wf['name']} {wf['version']}, stored in iRODS"
                        + (f" under {job['outputs']}." if job.get("outputs") else ".")),
        "license": SPDX.get(licence, "other"),
        "extent": {"spatial": {"bbox": [GLOBAL_BBOX]},
                   # Open at an end the job never reached (it did not start, or still runs).
                   "temporal": {"interval": [[started, finished]]}},
        "links": links,
    }


def _item(run: dict, output: dict, item_id: str) -> dict:
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
    item = {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": [PROCESSING, FILE],
        "id": item_id,
        "geometry": None,
        "properties": properties,
        "links": _links(run, item_id),
        "assets": {"data": asset},
    }
    if run["urls"].get("stac"):
        item["collection"] = collection_id(job["id"])
    return item


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


def _links(run: dict, item_id: str) -> list[dict]:
    links = []
    urls = run["urls"]
    if urls.get("stac"):
        base = urls["stac"]
        links += [{"rel": "self", "href": f"{base}/items/{item_id}", "type": "application/geo+json"},
                  {"rel": "collection", "href": f"{base}/collection", "type": "application/json"},
                  {"rel": "parent", "href": f"{base}/collection", "type": "application/json"}]
    for item in run.get("inputs", []):
        title = f"input '{item['port']}': {item['path']}"
        if item.get("stac_item"):
            # The STAC Item of the earlier job's output this input is.
            links.append({"rel": "derived_from", "href": item["stac_item"],
                          "type": "application/geo+json", "title": title})
            continue
        link = {"rel": "derived_from", "href": data_url(run, item["path"]), "title": title,
                **_file_fields(item)}
        if (kind := mimetypes.guess_type(item["path"])[0]) is not None:
            link["type"] = kind
        links.append(link)
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


