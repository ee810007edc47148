"""Griffe extensions for the API reference (mkdocs.yml, mkdocstrings `extensions:`).

- ``TableOps``: the ops stamped out from the tables in namedtensor/_ops.py. Statically,
  ``nt.exp`` is only an annotated name (``exp: UnaryOp``): its body and docstring are made
  at import time. Each such name becomes a function whose signature is its protocol's
  ``__call__`` (namedtensor/_types.py) and whose docstring is the generated one, so the
  reference shows ``exp(t: Operand) -> NamedTensor`` with its example.
- ``DoctestFences``: the docstrings' examples are doctest blocks (``>>>`` lines, run by
  tests/test_docs.py); Markdown would read ``>`` as a quote, so each block is fenced as
  ``pycon`` code.
"""

import importlib
import inspect
import re

import griffe

_PROMPT = re.compile(r"^(\s*)>>> ")


def fence_doctests(text: str) -> str:
    """Wrap each doctest block (from a ``>>>`` line to the next blank line) in a fence."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        match = _PROMPT.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent = match.group(1)
        out.append(f"{indent}```pycon")
        while i < len(lines) and lines[i].strip():
            out.append(lines[i])
            i += 1
        out.append(f"{indent}```")
    return "\n".join(out)


def _walk(obj: griffe.Object):
    yield obj
    for member in obj.members.values():
        if not member.is_alias and member.parent is obj:
            yield from _walk(member)


class TableOps(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        if pkg.name != "namedtensor":
            return
        ops, types = pkg["_ops"], pkg["_types"]
        runtime = importlib.import_module("namedtensor._ops")
        for name in runtime.__all__:
            member = ops.members.get(name)
            if not isinstance(member, griffe.Attribute) or member.annotation is None:
                continue
            protocol = types.members.get(str(member.annotation))
            doc = getattr(getattr(runtime, name, None), "__doc__", None)
            if protocol is None or not doc:
                continue
            call = protocol.members["__call__"]
            fn = griffe.Function(
                name,
                lineno=member.lineno,
                endlineno=member.endlineno,
                parameters=griffe.Parameters(*[p for p in call.parameters if p.name != "self"]),
                returns=call.returns,
                docstring=griffe.Docstring(inspect.cleandoc(doc), lineno=member.lineno),
            )
            ops.set_member(name, fn)


class DoctestFences(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        for obj in _walk(pkg):
            if obj.docstring is not None and ">>>" in obj.docstring.value:
                obj.docstring.value = fence_doctests(obj.docstring.value)
