"""An independent NumPy oracle: positional NumPy code with explicit axis bookkeeping.

It shares no code with namedtensor: alignment is done with ``np.einsum`` on
letters, sizes are checked with plain dicts.
"""

import string

import numpy as np


def letters(names):
    return {n: string.ascii_letters[i] for i, n in enumerate(names)}


def union(*name_lists):
    out = []
    for names in name_lists:
        out += [n for n in names if n not in out]
    return out


def align(data, names, target):
    """``data`` (axes ``names``) laid out in ``target`` order, size 1 for missing names."""
    data = np.asarray(data)
    sym = letters(target)
    src = "".join(sym[n] for n in names)
    dst = "".join(sym[n] for n in target if n in names)
    out = np.einsum(f"{src}->{dst}", data) if names else data
    return out.reshape([data.shape[list(names).index(n)] if n in names else 1 for n in target])


def raw(t):
    """(float64 values, names) of a NamedTensor, by public API only."""
    return np.asarray(t.numpy(), dtype=np.float64 if t.dtype.kind == "f" else None), list(t.names)


def elementwise(fn, *tensors):
    """Apply a NumPy ``fn`` to tensors broadcast by name; returns (values, names)."""
    names = union(*[t.names for t in tensors])
    return fn(*[align(*raw(t), names) for t in tensors]), names


def reduce(fn, t, which):
    """Reduce the names ``which`` (list) of ``t`` with NumPy ``fn(x, axis=tuple)``."""
    values, names = raw(t)
    axes = tuple(names.index(n) for n in which)
    return fn(values, axis=axes), [n for n in names if n not in which]


def einsum(out_names, *tensors):
    sym = letters(union(*[t.names for t in tensors]))
    spec = ",".join("".join(sym[n] for n in t.names) for t in tensors)
    spec += "->" + "".join(sym[n] for n in out_names)
    return np.einsum(spec, *[raw(t)[0] for t in tensors]), list(out_names)


def check(actual, expected, rtol=1e-5, atol=1e-5):
    """Compare a NamedTensor with an oracle ``(values, names)`` result, by name."""
    values, names = expected
    assert set(actual.names) == set(names), (actual.names, names)
    assert len(actual.names) == len(names)
    got = align(np.asarray(actual.numpy(), dtype=np.asarray(values).dtype), actual.names, names)
    np.testing.assert_allclose(got, values, rtol=rtol, atol=atol)
