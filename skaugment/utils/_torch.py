"""Torch plumbing shared by generators and classifiers: device choice and seeding."""

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["resolve_device", "torch_generator", "seed_from_random_state"]


def resolve_device(device):
    """Map ``"auto"`` to ``"cuda"`` when available, else ``"cpu"``; validate the rest.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but no CUDA device is available.")
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto'; got {device!r}.")
    return device


def seed_from_random_state(random_state):
    """Draw an int seed from ``random_state`` (None, int or RandomState)."""
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


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
