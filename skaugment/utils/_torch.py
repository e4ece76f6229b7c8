"""Torch plumbing shared by generators and classifiers: device choice and seeding."""

import torch

__all__ = ["resolve_device", "torch_generator", "seed_from_random_state"]


def resolve_device(device):
    """A validated torch device string; ``"auto"`` is ``"cuda"`` when available, else ``"cpu"``.

    Any device string torch understands is accepted (``"cpu"``, ``"cuda"``,
    ``"cuda:1"``, ``"mps"``, ...), and so is a ``torch.device``; a device that torch
    cannot parse, or that is not available on this machine, raises a ``ValueError``
    that says which.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    >>> resolve_device("gpu")
    Traceback (most recent call last):
    ...
    ValueError: device='gpu' is not a torch device (e.g. 'cpu', 'cuda', 'cuda:1', 'mps' or 'auto'): ...
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be a string or a torch.device; got {type(device).__name__}.")
    try:
        parsed = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"device={device!r} is not a torch device (e.g. 'cpu', 'cuda', 'cuda:1', "
                         f"'mps' or 'auto'): {exc}") from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was requested but no CUDA device is available.")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}: this machine has {torch.cuda.device_count()} "
                             "CUDA device(s).")
    elif parsed.type == "mps":
        backend = getattr(torch.backends, "mps", None)
        if backend is None or not backend.is_available():
            raise ValueError(f"device={device!r} was requested but MPS is not available.")
    elif parsed.type != "cpu":
        raise ValueError(f"device={device!r}: only 'cpu', 'cuda[:i]', 'mps' and 'auto' are "
                         "supported.")
    return str(parsed)


def seed_from_random_state(random_state):
    """Draw an int seed from ``random_state`` (None, int or RandomState).

    ``None`` draws from a fresh unseeded generator, never numpy's global one, which
    the caller's code may rely on (see ``check_rng``).
    """
    from ._validation import draw_seed

    return draw_seed(random_state)


def torch_generator(random_state, device="cpu"):
    """A ``torch.Generator`` seeded from ``random_state``, so no global RNG is touched.

    Examples
    --------
    >>> a = torch.randn(3, generator=torch_generator(0))
    >>> b = torch.randn(3, generator=torch_generator(0))
    >>> bool(torch.equal(a, b))
    True
    """
    gen = torch.Generator(device=device)
    gen.manual_seed(seed_from_random_state(random_state))
    return gen
