"""Backends: one small module per array library, behind one interface.

A backend knows nothing about names. It exposes

- ``name``: ``"jax"`` or ``"numpy"``;
- ``xp``: the array-API namespace used for the ordinary math both agree on;
- ``is_array(obj)``, ``asarray(obj, dtype, device)``, ``to_numpy(x)``;
- ``device(x)`` (a string such as ``"cpu:0"``) and ``put(x, device)``;
- ``einsum(subscripts, path, *arrays)``: execute a planned contraction;
- ``fuse(fn)``: a small function of arrays as one dispatch (JAX compiles it, inlined when
  traced; NumPy runs it as it is), and ``index(x, plan, starts)``: ints and slices whose
  positions are arguments, so one compiled call serves every position;
- the functions the two namespaces spell differently or lack
  (``erf sigmoid relu gelu softplus logsumexp softmax log_softmax``).

Frameworks are imported lazily, when a backend is first asked for.
"""

import importlib
from typing import Any

from ._contract import Backend as Backend

_BACKENDS: dict[str, Backend] = {}
NAMES = ("jax", "numpy")


def get_backend(name: str) -> Backend:
    """The backend object called ``name`` (``"jax"`` or ``"numpy"``)."""
    try:
        return _BACKENDS[name]
    except KeyError:
        pass
    if name not in NAMES:
        from namedtensor._errors import NamedTensorError
        raise NamedTensorError(f"unknown backend {name!r}; choose one of {list(NAMES)}")
    module = importlib.import_module(f"{__name__}.{name}_backend")
    backend: Backend = module.Backend()
    _BACKENDS[name] = backend
    return backend


def backend_of(data: Any) -> Backend:
    """The backend that owns ``data``: NumPy arrays -> numpy, everything else -> jax."""
    import numpy as np
    return get_backend("numpy" if isinstance(data, (np.ndarray, np.generic)) else "jax")


def clear_caches() -> None:
    """Empty the caches of every backend that has been loaded."""
    for backend in _BACKENDS.values():
        getattr(backend, "clear_caches", lambda: None)()
