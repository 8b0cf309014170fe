"""Safe YAML reading that remembers where things are.

Only ``yaml.SafeLoader`` constructs objects. Anchors and aliases are refused outright: packs
and data files have no need for them, and refusing them closes the "billion laughs"
expansion attack. Mappings come back as ``LineDict`` (a dict that knows its line), and
``line_of`` finds the line of any key path in the composed node tree, so a pydantic error
at ``indicators.3.rule`` can be reported as ``pack.yaml:42``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from yaml.events import AliasEvent


class YamlError(ValueError):
    """A YAML text that cannot be read; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class LineDict(dict[Any, Any]):
    """A mapping read from YAML, with the 1-based line it starts on."""

    line: int = 0


def _compose_node(loader: Any, parent: Any, index: Any) -> Any:
    if loader.check_event(AliasEvent):
        event = loader.peek_event()
        raise YamlError("YAML aliases (*name) are not allowed", event.start_mark.line + 1)
    return yaml.composer.Composer.compose_node(loader, parent, index)


class _Loader(yaml.SafeLoader):
    compose_node = _compose_node


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    data = LineDict()
    data.line = node.start_mark.line + 1
    yield data
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if isinstance(key, list | dict):
            raise YamlError("a key must be a plain value", key_node.start_mark.line + 1)
        if key in seen:
            raise YamlError(f"duplicate key {key!r}", key_node.start_mark.line + 1)
        seen.add(key)
    data.update(loader.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
# Dates stay text: the engine decides what a date means, not the YAML resolver.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)  # type: ignore[type-var]  # typeshed admits PyYAML's own loader classes only; ours mixes the same parts


class _TextLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    yaml.resolver.BaseResolver,
):
    """For data files: every plain scalar stays text, so ``0300`` is not octal 192 and ``010`` keeps its
    zero; the cell parser decides what a cell means, as it does for CSV."""

    def __init__(self, stream: str):
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.BaseResolver.__init__(self)

    compose_node = _compose_node


_TextLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_TextLoader.add_constructor("tag:yaml.org,2002:str", yaml.SafeLoader.construct_yaml_str)  # type: ignore[type-var]  # typeshed admits PyYAML's own loader classes only; ours mixes the same parts
_TextLoader.add_constructor("tag:yaml.org,2002:seq", yaml.SafeLoader.construct_yaml_seq)  # type: ignore[type-var]  # typeshed admits PyYAML's own loader classes only; ours mixes the same parts


if getattr(yaml, "__with_libyaml__", False):  # libyaml parses and composes ~15x faster; same nodes
    from yaml.cyaml import CParser  # type: ignore[attr-defined]  # typeshed does not list the C parser

    class _FastLoader(CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    class _FastTextLoader(CParser, yaml.constructor.SafeConstructor, yaml.resolver.BaseResolver):
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.BaseResolver.__init__(self)

    for _cls, _base in ((_FastLoader, _Loader), (_FastTextLoader, _TextLoader)):
        _cls.yaml_constructors = dict(_base.yaml_constructors)
    _SCAN: Any = yaml.CLoader
else:  # pragma: no cover - PyYAML without libyaml
    _FastLoader, _FastTextLoader, _SCAN = _Loader, _TextLoader, yaml.SafeLoader  # type: ignore[assignment,misc]  # the same loaders, in Python


def _no_aliases(text: str) -> None:
    """Refuse anchors' aliases, with the line of the first one (the C composer cannot be hooked)."""
    for token in yaml.scan(text, Loader=_SCAN):
        if isinstance(token, yaml.tokens.AliasToken):
            raise YamlError("YAML aliases (*name) are not allowed", token.start_mark.line + 1)


def _shares_nodes(root: yaml.Node) -> bool:
    """Whether a composed tree reaches some node twice: the composer turns an alias into the very
    node its anchor names, and nothing else shares a node. Stops at the first repeat, so an alias
    "bomb" costs no more than its text."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def load(text: str, *, plain_text: bool = False) -> tuple[Any, yaml.Node | None]:
    """Parse ``text``: the data and the node tree (for line look-ups).

    With ``plain_text`` every plain scalar is a string (for data files); otherwise YAML's usual
    types apply (for packs), except dates, which stay text.
    """
    try:
        loader = _FastTextLoader(text) if plain_text else _FastLoader(text)
        try:
            try:
                node = loader.get_single_node()
            except (yaml.YAMLError, RecursionError):
                _no_aliases(text)  # an alias before the problem is what is reported
                raise
            if node is not None and _shares_nodes(node):  # aliases: refused before anything is built
                _no_aliases(text)  # raises, with the alias's line
                raise YamlError("YAML aliases (*name) are not allowed")
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = str(exc.problem or exc.context)
        if "nesting depth" in problem:
            raise YamlError("YAML is nested too deeply", line) from None
        raise YamlError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError("YAML is nested too deeply") from None
    return data, node


def line_of(node: yaml.Node | None, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest node along ``path`` that exists."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    child = v if not isinstance(v, yaml.ScalarNode) else v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
            child = node.value[key]
            line = child.start_mark.line + 1
        if child is None:
            return line
        node = child
    return line


def position_of(
    node: yaml.Node | None, path: Sequence[str | int], column: int | None = None, *, at_key: bool = False
) -> tuple[int | None, int | None]:
    """1-based ``(line, column)`` of the deepest node along ``path``.

    ``column`` is an offset inside that node's text (a formula's column): it is added when the
    value is a one-line scalar, so the position points at the character itself. With ``at_key``
    the position is that of the last key itself (for "unknown key" problems).
    """
    if node is None:
        return None, None
    target: yaml.Node = node
    mark = node.start_mark
    for key in path:
        child: yaml.Node | None = None
        if isinstance(target, yaml.MappingNode):
            for k, v in target.value:
                if k.value == key:
                    child, mark = v, k.start_mark
                    break
        elif isinstance(target, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(target.value):
            child = target.value[key]
            mark = child.start_mark
        if child is None:
            return mark.line + 1, mark.column + 1
        target = child
    if at_key:
        return mark.line + 1, mark.column + 1
    if isinstance(target, yaml.ScalarNode):
        mark = target.start_mark
        one_line = target.start_mark.line == target.end_mark.line
        if column is not None and one_line and target.style in (None, "", "'", '"'):  # libyaml: plain is ""
            return mark.line + 1, mark.column + (1 if target.style else 0) + column
        return mark.line + 1, mark.column + 1
    return mark.line + 1, mark.column + 1
