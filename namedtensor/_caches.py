"""All caches are bounded ``lru_cache``s registered here, cleared by one ``clear_caches()``."""

import functools
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, cast

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Cached(Protocol, Generic[P, R_co]):
    """What :func:`cached` returns: the function, with its own signature, plus the
    ``lru_cache`` methods (``functools._lru_cache_wrapper`` forgets the parameters)."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...

    def cache_clear(self) -> None: ...

    def cache_info(self) -> "functools._CacheInfo": ...


_REGISTRY: list[Cached[..., object]] = []
_MEMOS: list[dict[Any, Any]] = []


def cached(maxsize: int) -> Callable[[Callable[P, R]], Cached[P, R]]:
    """``functools.lru_cache(maxsize)`` that :func:`clear_caches` knows about."""
    def wrap(fn: Callable[P, R]) -> Cached[P, R]:
        wrapped = cast(Cached[P, R], functools.lru_cache(maxsize=maxsize)(fn))
        _REGISTRY.append(wrapped)
        return wrapped
    return wrap


def memo() -> dict[Any, Any]:
    """A dict that :func:`clear_caches` empties: for a hot path's few keys (an op's
    kernel per backend), where a dict lookup is cheaper than an ``lru_cache`` call."""
    table: dict[Any, Any] = {}
    _MEMOS.append(table)
    return table


def clear_caches() -> None:
    """Empty every cache namedtensor keeps (name plans, einsum plans, compiled executors).

    >>> import namedtensor as nt
    >>> nt.clear_caches()
    """
    for fn in _REGISTRY:
        fn.cache_clear()
    for table in _MEMOS:
        table.clear()
    from .backends import clear_caches as clear_backend_caches
    clear_backend_caches()
