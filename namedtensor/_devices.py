"""Device listing: device-agnostic code asks for ``nt.default_device()``."""

import jax


def devices():
    """Every device JAX sees, as strings such as ``"cpu:0"`` or ``"gpu:1"``.

    >>> import namedtensor as nt
    >>> "cpu:0" in nt.devices() or nt.default_device() != "cpu:0"
    True
    """
    return [f"{d.platform}:{d.id}" for d in jax.devices()]


def default_device():
    """An accelerator if JAX sees one, else ``"cpu:0"``."""
    d = jax.devices()[0]
    return f"{d.platform}:{d.id}"
