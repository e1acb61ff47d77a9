"""The service catalogue (from docker-compose.base.yml) and the `services:` switches."""

from __future__ import annotations

import pytest
import yaml

from controller.config import ConfigError
from controller.services import (
    NEEDS, activation, active_services, catalogue_from_compose, closure, load_catalogue, values,
)
from tests.controller.test_validation import ROOT, deployment, load, set_layer  # noqa: F401  (fixture)

KNOWN = {"backend", "celery", "flower", "rabbit", "postgres", "neo4j", "icat", "proxy"}


def test_the_catalogue_is_the_base_compose_file():
    catalogue = load_catalogue(ROOT)
    assert set(catalogue) == KNOWN
    compose = yaml.safe_load((ROOT / "docker-compose.base.yml").read_text())["services"]
    for name, service in catalogue.items():
        assert list(service.depends_on) == list(compose[name].get("depends_on") or [])
    assert set(NEEDS) <= KNOWN


def test_depends_on_may_be_a_mapping_and_is_followed_transitively():
    catalogue = catalogue_from_compose({"services": {
        "a": {"depends_on": {"b": {"condition": "service_healthy"}}},
        "b": {"depends_on": ["c"]}, "c": {}, "d": {}}})
    assert closure(["a"], catalogue) == {"a": "switched on", "b": "needed by a", "c": "needed by b"}


def test_an_unknown_dependency_in_the_compose_file_is_an_error():
    with pytest.raises(ConfigError, match="depends on unknown service ghost"):
        catalogue_from_compose({"services": {"a": {"depends_on": ["ghost"]}}})


def test_the_default_switches_on_the_backend_only(deployment):
    assert active_services(load(deployment)) == {"backend"}


def test_switching_on_celery_brings_rabbit(deployment):
    set_layer(deployment / "rapydo.yml", services={"celery": True})
    config = load(deployment)
    assert active_services(config) == {"backend", "celery", "rabbit"}
    assert activation(config)["rabbit"] == "needed by celery"


def test_switching_on_flower_brings_what_it_depends_on(deployment):
    set_layer(deployment / "rapydo.yml", services={"flower": True})
    catalogue = load_catalogue(deployment)
    expected = {"backend", "flower"} | set(closure(["flower"], catalogue))
    assert "rabbit" in expected
    assert active_services(load(deployment)) == expected


def test_a_higher_layer_switches_a_service_off(deployment):
    set_layer(deployment / "rapydo.yml", services={"neo4j": True, "icat": True})
    set_layer(deployment / ".projectrc", services={"neo4j": False, "backend": None})
    assert active_services(load(deployment)) == {"icat"}


def test_an_unknown_service_name_is_an_error(deployment):
    set_layer(deployment / "rapydo.yml", services={"mongodb": True})
    with pytest.raises(ConfigError, match="unknown service 'mongodb'"):
        active_services(load(deployment))


def test_a_switch_must_be_a_boolean(deployment):
    set_layer(deployment / "rapydo.yml", services={"neo4j": "yes"})
    with pytest.raises(ConfigError, match="services.neo4j must be true or false"):
        active_services(load(deployment))


def test_values_join_backend_and_service_variables_as_strings(deployment):
    set_layer(deployment / ".projectrc", service_variables={"POSTGRES_PASSWORD": 12345})
    current = values(load(deployment))
    assert current["POSTGRES_PASSWORD"] == "12345" and current["API_PORT"] == "8080"
