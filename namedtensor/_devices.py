"""Device listing: device-agnostic code asks for ``nt.default_device()``."""

import jax


def devices():
    """Every device JAX sees, as strings such as ``"cpu:0"`` or ``"gpu:1"``.

    >>> import namedtensor as nt
    >>> nt.default_device() in nt.devices()
    True
    """
    return [f"{d.platform}:{d.id}" for d in jax.devices()]


def default_device():
    """An accelerator if JAX sees one, else ``"cpu:0"``: write device-agnostic code with it.

    >>> import namedtensor as nt
    >>> t = nt.zeros({"x": 2}, device=nt.default_device())
    >>> t.device == nt.default_device()
    True
    """
    d = jax.devices()[0]
    return f"{d.platform}:{d.id}"
