"""A registered workflow's picture (GET /api/workflows/<name>/<version>/picture): cwltool's
drawing laid out by Graphviz, over real HTTP (uWSGI), seen by whoever may see the workflow."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from backend.errors import Unprocessable
from backend.workflows import picture
from backend.workflows.documents import Limits
from tests.live import running_api
from tests.workflows.test_registry_api import PACKED, TOOL, TWO_STEP, Client, register

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running_api(tmp_path_factory.mktemp("pictures")) as live:
        yield Client(live)


def texts(svg: bytes) -> list[str]:
    return [text.text for text in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def picture_of(api, session, name: str, version: str = "1.0"):
    return session.get(api.url(f"/api/workflows/{name}/{version}/picture"))


def test_the_picture_shows_the_inputs_steps_and_outputs(api):
    assert register(api, api.alice, "drawn").status_code == 201
    answer = picture_of(api, api.alice, "drawn")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == "image/svg+xml"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    shown = texts(answer.content)
    assert {"text", "upper", "count", "counted"} <= set(shown)
    assert "Workflow Inputs" in shown and "Workflow Outputs" in shown
    # Asked again: the same picture.
    assert picture_of(api, api.alice, "drawn").content == answer.content


def test_a_packed_workflow_is_drawn_and_a_single_tool_has_no_picture(api):
    assert register(api, api.alice, "packed-drawn", cwl=PACKED).status_code == 201
    assert "wc" in texts(picture_of(api, api.alice, "packed-drawn").content)
    assert register(api, api.alice, "tool-drawn", cwl=TOOL).status_code == 201
    refused = picture_of(api, api.alice, "tool-drawn")
    assert refused.status_code == 404
    assert "only a Workflow has a picture" in refused.json()["error"]


def test_the_picture_is_for_whoever_may_see_the_workflow(api):
    assert register(api, api.alice, "private-drawn").status_code == 201
    hidden = picture_of(api, api.bob, "private-drawn")
    assert hidden.status_code == 404 and "error" in hidden.json()
    assert api.alice.put(api.url("/api/workflows/private-drawn"), json={"public": True}).status_code == 200
    assert picture_of(api, api.bob, "private-drawn").status_code == 200
    assert picture_of(api, api.admin, "private-drawn").status_code == 200
    assert picture_of(api, api.alice, "nothing-here").status_code == 404
    assert api.live.session().get(api.url("/api/workflows/private-drawn/1.0/picture")).status_code == 401


def test_drawing_is_bounded_by_the_time_limit():
    """No service: a limit too short for cwltool to load the document is a 422 saying so."""
    limits = Limits(max_size=1 << 20, max_aliases=10, max_nodes=10_000, max_depth=50, timeout=0.001)
    with pytest.raises(Unprocessable, match="picture could not be drawn: .*longer than 0.001 s"):
        picture.picture(TWO_STEP, "sha256:not-cached", limits)
