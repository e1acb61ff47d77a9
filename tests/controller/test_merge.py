import copy

from controller.merge import deep_merge, merge_layers


def test_nested_mappings_merge_and_scalars_replace():
    base = {"a": 1, "nested": {"x": 1, "y": {"deep": 1, "keep": True}}}
    override = {"a": 2, "nested": {"y": {"deep": 2}, "z": 3}}
    assert deep_merge(base, override) == {"a": 2, "nested": {"x": 1, "y": {"deep": 2, "keep": True}, "z": 3}}


def test_lists_replace_instead_of_appending():
    assert deep_merge({"tags": ["a", "b"]}, {"tags": ["c"]}) == {"tags": ["c"]}
    assert deep_merge({"tags": ["a"]}, {"tags": []}) == {"tags": []}


def test_null_deletes_a_key_at_any_depth():
    base = {"a": 1, "b": 2, "nested": {"x": 1, "y": 2}}
    assert deep_merge(base, {"a": None, "nested": {"y": None}, "absent": None}) == {"b": 2, "nested": {"x": 1}}


def test_a_mapping_replaces_a_scalar_and_the_other_way_round():
    assert deep_merge({"a": 1}, {"a": {"x": 1}}) == {"a": {"x": 1}}
    assert deep_merge({"a": {"x": 1}}, {"a": 1}) == {"a": 1}


def test_new_mappings_carry_no_nulls():
    assert deep_merge({}, {"new": {"x": None, "y": 1}}) == {"new": {"y": 1}}


def test_inputs_are_never_modified_nor_shared():
    base = {"nested": {"list": [1, 2]}, "other": {"k": "v"}}
    override = {"nested": {"more": {"a": [3]}}}
    base_before, override_before = copy.deepcopy(base), copy.deepcopy(override)
    merged = deep_merge(base, override)
    merged["nested"]["list"].append(99)
    merged["nested"]["more"]["a"].append(99)
    merged["other"]["k"] = "changed"
    assert base == base_before
    assert override == override_before


def test_merge_layers_applies_lowest_first():
    assert merge_layers({"a": 1, "b": 1}, {"a": 2}, {"a": 3, "c": 3}) == {"a": 3, "b": 1, "c": 3}
    assert merge_layers() == {}
