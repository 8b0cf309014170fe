"""Safe YAML reading with line numbers (``yamlio.py``)."""

from __future__ import annotations

import pytest

from lifeservices_cli.packs import yamlio

DOC = """\
# a comment on line 1
id: demo
entities:
  site:
    fields: [a, b]
indicators:
  - id: first
    rule: 不低于 500
  - id: second
    clause:
      ref: 二(二)4
issued: 2022-11-22
"""


def load(text: str):
    data, _ = yamlio.load(text)
    return data


def error(text: str) -> yamlio.YamlError:
    with pytest.raises(yamlio.YamlError) as caught:
        yamlio.load(text)
    return caught.value


def test_mappings_are_line_dicts_that_know_their_line():
    data = load(DOC)
    assert isinstance(data, yamlio.LineDict)
    assert data.line == 2
    assert data["entities"].line == 4
    assert data["entities"]["site"].line == 5
    assert [item.line for item in data["indicators"]] == [7, 9]
    assert data["indicators"][1]["clause"].line == 11


def test_values_are_plain_python():
    data = load(DOC)
    assert data == {
        "id": "demo",
        "entities": {"site": {"fields": ["a", "b"]}},
        "indicators": [{"id": "first", "rule": "不低于 500"}, {"id": "second", "clause": {"ref": "二(二)4"}}],
        "issued": "2022-11-22",
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("d: 2022-11-22", "2022-11-22"),  # dates stay text
        ("d: 2022-11-22T10:00:00", "2022-11-22T10:00:00"),
        ("d: 12", 12),
        ("d: 33.3", 33.3),
        ("d: 是", "是"),
        ("d: ~", None),
        ("d: true", True),
        ("d: '0300'", "0300"),
    ],
)
def test_scalars(text, value):
    assert load(text)["d"] == value


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_empty_documents(text):
    assert yamlio.load(text) == (None, None)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ([], 2),
        (["id"], 2),
        (["entities"], 3),
        (["entities", "site"], 4),
        (["entities", "site", "fields"], 5),
        (["entities", "site", "fields", 1], 5),
        (["indicators", 0], 7),
        (["indicators", 0, "rule"], 8),
        (["indicators", 1, "clause", "ref"], 11),
        (["issued"], 12),
        # A path that goes further than the file: the deepest part that exists.
        (["indicators", 1, "clause", "quote"], 10),
        (["indicators", 5, "id"], 6),
        (["nope"], 2),
        (["id", "deeper"], 2),
    ],
)
def test_line_of(path, line):
    _, node = yamlio.load(DOC)
    assert yamlio.line_of(node, path) == line


def test_line_of_without_a_document():
    assert yamlio.line_of(None, ["id"]) is None


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: [1, 2\nb: 3\n", 2, "invalid YAML: did not find expected ',' or ']'"),
        ("a: b: c\n", 1, "invalid YAML: mapping values are not allowed in this context"),
        ("a: 1\n  b: 2\n", 2, "invalid YAML: mapping values are not allowed in this context"),
        ("ok: 1\n\tx: 1\n", 2, "invalid YAML"),
        ('a: "unterminated\n', 2, "invalid YAML"),
        ("--- 1\n--- 2\n", 2, "invalid YAML"),
    ],
)
def test_syntax_errors_have_a_line(text, line, message):
    exc = error(text)
    assert exc.line == line
    assert exc.message.startswith(message)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "a: !!python/name:os.system\n",
        "a: !!python/object:collections.OrderedDict {}\n",
    ],
)
def test_python_tags_are_refused(text):
    exc = error(text)
    assert "could not determine a constructor" in exc.message
    assert exc.line == 1


def test_aliases_are_refused_with_the_line_of_the_first_alias():
    exc = error("a: &x [1]\nb: [2, 3,\n  *x]\n")
    assert exc.message == "YAML aliases (*name) are not allowed"
    assert exc.line == 3


def test_an_anchor_alone_is_harmless():
    assert load("a: &x [1]\n") == {"a": [1]}


def test_billion_laughs_is_refused_before_expansion():
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    exc = error("\n".join(lines) + "\n")  # fully expanded this would be 9**9 strings
    assert exc.message == "YAML aliases (*name) are not allowed"
    assert exc.line == 2


def test_merge_keys_need_aliases_and_are_refused():
    exc = error("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n")
    assert exc.line == 3


def test_deep_nesting_is_an_error_not_a_crash():
    exc = error("a: " + "[" * 1500 + "]" * 1500 + "\n")
    assert exc.message == "YAML is nested too deeply"
