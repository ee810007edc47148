"""All caches are bounded ``lru_cache``s registered here, cleared by one ``clear_caches()``."""

import functools

_REGISTRY = []


def cached(maxsize):
    """``functools.lru_cache(maxsize)`` that :func:`clear_caches` knows about."""
    def wrap(fn):
        fn = functools.lru_cache(maxsize=maxsize)(fn)
        _REGISTRY.append(fn)
        return fn
    return wrap


def clear_caches():
    """Empty every cache namedtensor keeps (name plans, einsum plans, compiled executors).

    >>> import namedtensor as nt
    >>> nt.clear_caches()
    """
    for fn in _REGISTRY:
        fn.cache_clear()
    from .backends import clear_caches as clear_backend_caches
    clear_backend_caches()
