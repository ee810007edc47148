"""Device listing and the default backend: device-agnostic code asks for
``nt.default_device()``; ``with nt.use_backend("numpy"):`` sets the backend constructors
use when given none (a ``contextvars.ContextVar``: per thread and per asyncio task, never a
module-global flag)."""

import contextlib
import contextvars
from collections.abc import Iterator

import jax


def devices() -> list[str]:
    """Every device JAX sees, as strings such as ``"cpu:0"`` or ``"gpu:1"``.

    >>> import namedtensor as nt
    >>> nt.default_device() in nt.devices()
    True
    """
    return [f"{d.platform}:{d.id}" for d in jax.devices()]


def default_device() -> str:
    """An accelerator if JAX sees one, else ``"cpu:0"``: write device-agnostic code with it.

    >>> import namedtensor as nt
    >>> t = nt.zeros({"x": 2}, device=nt.default_device())
    >>> t.device == nt.default_device()
    True
    """
    d = jax.devices()[0]
    return f"{d.platform}:{d.id}"


_BACKEND: contextvars.ContextVar[str] = contextvars.ContextVar("namedtensor_default_backend",
                                                               default="jax")


def default_backend() -> str:
    """The backend constructors use when given none: ``"jax"``, or the one set by the
    innermost :func:`use_backend` block of this thread (or asyncio task)."""
    return _BACKEND.get()


def use_backend(backend: str) -> "contextlib._GeneratorContextManager[str]":
    """Make ``backend`` the default of every constructor and of ``nt.load`` within a block.

    Thread-safe: the default lives in a ``contextvars.ContextVar``, so a block in one thread
    (or asyncio task) does not change the default of another; a new thread starts with
    ``"jax"``. Functions that take a tensor keep returning that tensor's backend, an explicit
    ``backend=`` wins, and ``nt.random`` samplers stay JAX. Also usable as a decorator.

    >>> import namedtensor as nt
    >>> with nt.use_backend("numpy"):
    ...     t = nt.zeros({"x": 2})
    ...     u = nt.arange("x", 2, backend="jax")
    >>> t.backend, u.backend, nt.zeros({"x": 2}).backend
    ('numpy', 'jax', 'jax')

    Args:
        backend: ``"jax"`` or ``"numpy"``.

    Returns:
        A context manager (entered with ``with``) that restores the previous default on exit.
    """
    from . import _validate
    if backend is None:
        raise TypeError("nt.use_backend: backend must be 'jax' or 'numpy', got None")
    return _using(_validate.backend(backend, "nt.use_backend"))


@contextlib.contextmanager
def _using(backend: str) -> Iterator[str]:
    token = _BACKEND.set(backend)
    try:
        yield backend
    finally:
        _BACKEND.reset(token)
