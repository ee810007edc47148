"""Random tensors from explicit JAX keys.

>>> import namedtensor as nt
>>> key = nt.random.key(0)
>>> k1, k2 = nt.random.split(key)
>>> nt.random.normal(k1, {"batch": 2, "feat": 3}).sizes
{'batch': 2, 'feat': 3}
"""

import jax

from ._errors import NamedTensorError
from ._shape import _check_sizes, align_to
from ._tensor import NamedTensor, _dtype
from .backends import get_backend

__all__ = ["key", "split", "normal", "uniform", "bernoulli", "randint"]


def key(seed):
    """A new JAX random key from an integer seed."""
    return jax.random.key(seed)


def split(key, n=2):
    """``n`` new independent keys (unpack them: ``k1, k2 = nt.random.split(key)``)."""
    return jax.random.split(key, n)


def _wrap(data, names):
    return NamedTensor._new(data, names, get_backend("jax"))


def normal(key, sizes, dtype="float32"):
    """Standard normal samples with the ordered ``sizes``."""
    names, shape = _check_sizes(sizes, "nt.random.normal")
    return _wrap(jax.random.normal(key, shape, _dtype(dtype, "nt.random.normal")), names)


def uniform(key, sizes, low=0.0, high=1.0, dtype="float32"):
    """Uniform samples in ``[low, high)`` with the ordered ``sizes``."""
    names, shape = _check_sizes(sizes, "nt.random.uniform")
    return _wrap(jax.random.uniform(key, shape, _dtype(dtype, "nt.random.uniform"),
                                    minval=low, maxval=high), names)


def bernoulli(key, p, sizes):
    """Boolean samples, true with probability ``p`` (a scalar, or a tensor over some of ``sizes``' names)."""
    op = "nt.random.bernoulli"
    names, shape = _check_sizes(sizes, op)
    if isinstance(p, NamedTensor):
        extra = [n for n in p.names if n not in names]
        if extra:
            raise NamedTensorError(f"{op}: p has axes {extra} that are not in sizes {dict(sizes)}")
        p = p.expand(dict(zip(names, shape)))
        p = align_to(p, *names).data
    return _wrap(jax.random.bernoulli(key, p, shape), names)


def randint(key, sizes, low, high, dtype="int32"):
    """Integers uniform in ``[low, high)`` with the ordered ``sizes``."""
    names, shape = _check_sizes(sizes, "nt.random.randint")
    return _wrap(jax.random.randint(key, shape, low, high, _dtype(dtype, "nt.random.randint")),
                 names)
