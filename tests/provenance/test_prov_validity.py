"""PROV of real jobs (the two-step and scatter examples, run by a real worker through the live
deployment) against validators nobody here wrote: PROV-XML against the W3C XML schema (lxml),
and the Turtle against the PROV-O SHACL shapes (pyshacl); and Accept headers with parameters.

The shapes (CDO-Shapes-PROV-O, sh-prov-o.ttl) target classes and the subjects and objects of
PROV-O properties (`sh:class prov:Location` on objects of prov:atLocation, disjointness of
Activity and Entity, datatypes of times, ...). They are written against the asserted graph
plus the PROV-O ontology: the data graph is our Turtle, `ont_graph` is prov-o.ttl (so that
subclass axioms, e.g. prov:Plan a subclass of prov:Entity, are known), with RDFS inference
(`inference="rdfs"`: sh:class is then satisfied by subclasses and by domains/ranges the
ontology declares, as the shapes' authors run them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from lxml import etree
from pyshacl import validate

from tests.provenance.test_provenance_api import run
from tests.workflows.deployment import example, jobs_deployment

SCHEMAS = Path(__file__).parent / "schemas"
XSD = etree.XMLSchema(etree.parse(str(SCHEMAS / "prov-xsd" / "prov.xsd")))
SHAPES = rdflib.Graph().parse(SCHEMAS / "prov-o" / "sh-prov-o.ttl")
ONTOLOGY = rdflib.Graph().parse(SCHEMAS / "prov-o" / "prov-o.ttl")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with jobs_deployment(tmp_path_factory.mktemp("prov-validity")) as client:
        yield client


@pytest.fixture(scope="module")
def alice(api):
    return api.user("alice")


@pytest.fixture(scope="module")
def jobs(api, alice):
    folder = api.unique("alice", "in")
    api.upload(alice, f"{folder}/a.txt", b"one\ntwo\n")
    api.upload(alice, f"{folder}/b.txt", b"three\n")
    two_step = api.register(alice, example("two-step-text"))
    scatter = api.register(alice, example("scatter-line-count"))
    finished = {
        "two-step": run(api, alice, two_step, {"text": f"{folder}/a.txt"}),
        "scatter": api.wait(alice, api.submit(alice, scatter, {"files": [{"href": f"{folder}/a.txt"},
                                                                         {"href": f"{folder}/b.txt"}]},
                                              api.unique("alice", "out")).json()["id"]),
    }
    assert all(job["status"] == "successful" for job in finished.values()), finished
    return finished


@pytest.mark.parametrize("name", ["two-step", "scatter"])
def test_prov_xml_validates_against_the_w3c_schema(api, alice, jobs, name):
    response = alice.get(api.url(f"/api/jobs/{jobs[name]['id']}/prov"), params={"f": "xml"})
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    assert XSD.validate(document), [str(error) for error in XSD.error_log][:10]


@pytest.mark.parametrize("name", ["two-step", "scatter"])
def test_prov_o_turtle_passes_the_shacl_shapes(api, alice, jobs, name):
    response = alice.get(api.url(f"/api/jobs/{jobs[name]['id']}/prov"), headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    data = rdflib.Graph().parse(data=response.text, format="turtle")
    assert len(data) > 50
    conforms, _, report = validate(data, shacl_graph=SHAPES, ont_graph=ONTOLOGY, inference="rdfs")
    assert conforms, report[:3000]
    # Locations are nodes of class prov:Location with a path, never literals.
    locations = list(data.objects(None, rdflib.URIRef("http://www.w3.org/ns/prov#atLocation")))
    assert locations and all(isinstance(place, rdflib.URIRef) for place in locations)


@pytest.mark.parametrize("header, served", [
    ("text/turtle; charset=utf-8", "text/turtle"),
    ("application/json; charset=utf-8", "application/json"),
    ("application/ld+json;q=0.9, text/turtle;q=0.5", "application/ld+json"),
    ("text/turtle;q=0.2, application/provenance+xml", "application/provenance+xml"),
    ("*/*", "application/json"),
    ("text/*;q=0.5", "text/"),
])
def test_accept_with_parameters_and_q_values(api, alice, jobs, header, served):
    job = jobs["two-step"]["id"]
    response = alice.get(api.url(f"/api/jobs/{job}/prov"), headers={"Accept": header})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0].startswith(served)


def test_an_unservable_type_or_format_is_a_406_listing_what_is_offered(api, alice, jobs):
    job = jobs["two-step"]["id"]
    refused = alice.get(api.url(f"/api/jobs/{job}/prov"), headers={"Accept": "text/turtle; charset=latin-1"})
    assert refused.status_code == 406 and refused.json()["type"] == "not_acceptable"
    assert "text/turtle" in refused.text
    unknown = alice.get(api.url(f"/api/jobs/{job}/prov"), params={"f": "rdfxml"})
    assert unknown.status_code == 406 and "ttl" in unknown.json()["error"]
