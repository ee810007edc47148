"""The ops _ops.py stamps out from its tables are declared for type checkers by hand
(one annotation per op, and a literal ``__all__``): these tests keep the declarations and
the tables from drifting apart."""

import inspect

import namedtensor as nt
from namedtensor import _ops, _types

FAMILIES = {
    "unary": (_ops._UNARY, _types.UnaryOp),
    "binary": (_ops._BINARY, _types.BinaryOp),
    "reduction": ({n: r for n, r in _ops._REDUCTIONS.items() if n not in ("std", "var")},
                  _types.ReductionOp),
    "ddof reduction": ({n: _ops._REDUCTIONS[n] for n in ("std", "var")},
                       _types.DdofReductionOp),
    "axis-wise": ({**_ops._AXISWISE, **_ops._ORDERING}, _types.AxisOp),
}


def test_every_op_of_the_tables_is_declared_with_its_family_signature():
    declared = _ops.__annotations__
    for family, (table, protocol) in FAMILIES.items():
        for name in table:
            assert declared.get(name) is protocol, (family, name, declared.get(name))
    tables = {n for table, _ in FAMILIES.values() for n in table}
    protocols = {p for _, p in FAMILIES.values()}
    assert {n for n, p in declared.items() if p in protocols} == tables


def test_all_is_exactly_the_tables_in_order():
    assert _ops.__all__ == [*_ops._UNARY, *_ops._BINARY, *_ops._REDUCTIONS, *_ops._AXISWISE,
                            "where", "clip", *_ops._ORDERING]
    assert len(set(_ops.__all__)) == len(_ops.__all__)


def test_each_generated_op_has_the_parameters_of_its_protocol():
    for table, protocol in FAMILIES.values():
        want = [(p.name, p.default) for p in
                inspect.signature(protocol.__call__).parameters.values()][1:]  # less self
        for name in table:
            op = getattr(nt, name)
            assert op is getattr(_ops, name) and op.__name__ == name
            got = [(p.name, p.default) for p in inspect.signature(op).parameters.values()]
            assert got == want, (name, got, want)
