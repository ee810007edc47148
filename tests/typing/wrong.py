"""Deliberately wrong calls: the type checker must report each line marked ``# error``.

tests/test_packaging.py asserts that mypy flags exactly these lines (and nothing else).
"""

import numpy as np

import namedtensor as nt

x = nt.zeros({"batch": 2, "feat": 3})
positional = np.ones((2, 3))

x.sum(3)  # error: an axis is named by a str, not a position
nt.exp(positional)  # error: a positional np.ndarray where a NamedTensor is required
x.align_to(0, 1)  # error: names are str
bad_names: int = x.names  # error: names is tuple[str, ...]
nt.einsum(1, x)  # error: the spec is a str
