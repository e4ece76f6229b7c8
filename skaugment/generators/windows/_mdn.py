"""Gaussian mixture output layer of a mixture density network, as pure torch functions.

A mixture density network (Bishop, 1994, "Mixture density networks") turns a
network's output vector into the parameters of a Gaussian mixture over the
target. Here the mixture is over a vector of ``C`` channels, with diagonal
components whose weights are shared by the channels (Graves, 2013, "Generating
sequences with recurrent neural networks", used bivariate components of this
kind for pen offsets). With ``C = 1`` it is the mixture of SenseGen (Alzantot,
Chakraborty & Srivastava, 2017, "SenseGen: A deep learning architecture for
synthetic sensor data generation").

The likelihood is computed in log space with log-sum-exp: summing the
components' probabilities, as the original SenseGen code did, underflows to 0
(and its log to ``-inf``) as soon as a target lies a few tens of standard
deviations from every component, which is what makes such training go NaN.
"""

import math

import torch
import torch.nn.functional as F

__all__ = ["soft_clamp", "split_mixture_params", "mixture_nll", "sample_mixture"]

_LOG_2PI = math.log(2.0 * math.pi)

#: Default range of the log standard deviations, in the units of the target
#: (standardised data: ``exp(-7)`` is a thousandth of a standard deviation).
LOG_SCALE_BOUNDS = (-7.0, 3.0)


def soft_clamp(x, low, high):
    """Squash ``x`` smoothly into ``[low, high]``, close to the identity in between.

    ``low + softplus(x - low) - softplus(x - high)``: monotone, with a gradient
    that decays smoothly past the bounds instead of dropping to zero there. A
    hard :func:`torch.clamp` has zero gradient outside the range, so a
    log-scale pushed past a bound would get no signal to come back.

    Parameters
    ----------
    x : torch.Tensor
    low, high : float
        Bounds, ``low < high``.

    Returns
    -------
    torch.Tensor
        Same shape as ``x``, between ``low`` and ``high``.

    Examples
    --------
    >>> import torch
    >>> soft_clamp(torch.tensor([-100.0, 0.0, 100.0]), -7.0, 3.0)
    tensor([-7.0000, -0.0477,  3.0000])
    """
    if not low < high:
        raise ValueError(f"soft_clamp needs low < high; got low={low}, high={high}.")
    # Above the middle, the same function written as high + softplus(low - x) -
    # softplus(high - x): the gradient there is a difference of two small sigmoids
    # instead of two that round to 1, which cancel to exactly 0 in float32.
    below = low + F.softplus(x - low) - F.softplus(x - high)
    above = high + F.softplus(low - x) - F.softplus(high - x)
    return torch.where(x < 0.5 * (low + high), below, above)


def split_mixture_params(params, n_channels=1, *, log_scale_bounds=LOG_SCALE_BOUNDS):
    """Split a network's raw output into mixture logits, means and log-scales.

    The last axis of ``params`` holds ``K * (1 + 2 * n_channels)`` values: ``K``
    component logits, then ``K * n_channels`` means, then ``K * n_channels``
    log standard deviations (component-major: component ``k``'s channels are
    contiguous). With one channel this is SenseGen's layout of 3K outputs.

    Parameters
    ----------
    params : torch.Tensor of shape (..., K * (1 + 2 * n_channels))
    n_channels : int, default=1
        Number of channels ``C`` of the target.
    log_scale_bounds : tuple of (float, float) or None, default=(-7.0, 3.0)
        The log-scales are squashed into this range with :func:`soft_clamp`,
        which keeps every density bounded (no component can collapse onto a
        point) and every gradient finite; ``None`` leaves them as they are.

    Returns
    -------
    logits : torch.Tensor of shape (..., K)
        Unnormalised log mixture weights.
    means : torch.Tensor of shape (..., K, C)
    log_scales : torch.Tensor of shape (..., K, C)

    Examples
    --------
    >>> import torch
    >>> logits, means, log_scales = split_mixture_params(torch.zeros(5, 4, 2 * 7), n_channels=3)
    >>> logits.shape, means.shape, log_scales.shape
    (torch.Size([5, 4, 2]), torch.Size([5, 4, 2, 3]), torch.Size([5, 4, 2, 3]))
    """
    n_channels = int(n_channels)
    if n_channels < 1:
        raise ValueError(f"n_channels must be >= 1; got {n_channels}.")
    width = params.shape[-1]
    per_component = 1 + 2 * n_channels
    if width == 0 or width % per_component:
        raise ValueError(
            f"params has {width} values on its last axis, not a multiple of "
            f"1 + 2 * n_channels = {per_component} (logits, means and log-scales of each "
            "component)."
        )
    k = width // per_component
    batch = params.shape[:-1]
    logits = params[..., :k]
    means = params[..., k:k + k * n_channels].reshape(*batch, k, n_channels)
    log_scales = params[..., k + k * n_channels:].reshape(*batch, k, n_channels)
    if log_scale_bounds is not None:
        log_scales = soft_clamp(log_scales, *log_scale_bounds)
    return logits, means, log_scales


def _as_mixture(params, target, log_scale_bounds):
    """``(logits, means, log_scales, target)`` with a channel axis, from either input form."""
    if isinstance(params, (tuple, list)):
        if len(params) != 3:
            raise ValueError("params must be a tensor or a (logits, means, log_scales) tuple; "
                             f"got a sequence of {len(params)}.")
        logits, means, log_scales = params
        if means.shape != log_scales.shape:
            raise ValueError(f"means {tuple(means.shape)} and log_scales "
                             f"{tuple(log_scales.shape)} must have the same shape.")
        if means.shape == logits.shape:  # univariate: (..., K) and a target (...)
            return logits, means[..., None], log_scales[..., None], target[..., None]
        if means.shape[:-1] != logits.shape:
            raise ValueError(f"means must be (..., K) or (..., K, C) for logits of shape "
                             f"{tuple(logits.shape)}; got {tuple(means.shape)}.")
        return logits, means, log_scales, target
    logits, means, log_scales = split_mixture_params(params, target.shape[-1],
                                                     log_scale_bounds=log_scale_bounds)
    return logits, means, log_scales, target


def mixture_nll(params, target, *, log_scale_bounds=LOG_SCALE_BOUNDS, reduction="none"):
    """Negative log-likelihood of ``target`` under a Gaussian mixture, by log-sum-exp.

    ``-log sum_k pi_k prod_c N(x_c; mu_kc, sigma_kc)`` with ``pi = softmax(logits)``
    and ``sigma = exp(log_scales)``, computed as ``-logsumexp_k(log pi_k + log
    N_k)``: finite however far the target lies from every component, where the
    sum of probabilities underflows to 0.

    Parameters
    ----------
    params : torch.Tensor or tuple of (logits, means, log_scales)
        Either the raw output of the network, of shape ``(..., K * (1 + 2C))``
        (split by :func:`split_mixture_params`, with ``log_scale_bounds``), or
        the mixture itself: ``logits`` of shape ``(..., K)`` and ``means``,
        ``log_scales`` of shape ``(..., K, C)``, or ``(..., K)`` for a univariate
        mixture. A given tuple is used as it is (no clamping).
    target : torch.Tensor of shape (..., C)
        Or ``(...)`` with univariate ``(..., K)`` means.
    log_scale_bounds : tuple of (float, float) or None, default=(-7.0, 3.0)
        Only for raw ``params``: see :func:`split_mixture_params`.
    reduction : {"none", "mean", "sum"}, default="none"
        Over the batch axes ``...``.

    Returns
    -------
    nll : torch.Tensor of shape (...), or a scalar if reduced
        In nats, summed over the channels (the joint density of the vector).

    Examples
    --------
    >>> import torch
    >>> logits = torch.zeros(1, 2)                      # two equal components
    >>> means = torch.tensor([[-2.0, 2.0]])
    >>> log_scales = torch.zeros(1, 2)
    >>> mixture_nll((logits, means, log_scales), torch.tensor([2.0]))  # ~ log 2 + 0.919
    tensor([1.6118])
    >>> bool(torch.isfinite(mixture_nll((logits, means, log_scales), torch.tensor([1e4]))))
    True
    """
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"reduction must be 'none', 'mean' or 'sum'; got {reduction!r}.")
    logits, means, log_scales, target = _as_mixture(params, target, log_scale_bounds)
    z = (target.unsqueeze(-2) - means) * torch.exp(-log_scales)
    log_component = (-0.5 * z.square() - log_scales - 0.5 * _LOG_2PI).sum(-1)
    nll = -torch.logsumexp(torch.log_softmax(logits, dim=-1) + log_component, dim=-1)
    if reduction == "mean":
        return nll.mean()
    if reduction == "sum":
        return nll.sum()
    return nll


def sample_mixture(logits, means, log_scales, generator=None, temperature=1.0):
    """Draw one vector from each Gaussian mixture of a batch.

    A component is drawn from ``softmax(logits / temperature)``, then a vector
    from it with standard deviations ``exp(log_scales) * sqrt(temperature)``:
    the temperature of Ha & Eck, 2018 ("A neural representation of sketch
    drawings"). Below 1 it favours the heavy components and shrinks their
    spread (smoother, less varied draws); 1 samples the mixture as learned.

    Parameters
    ----------
    logits : torch.Tensor of shape (..., K)
    means, log_scales : torch.Tensor of shape (..., K, C), or (..., K) for univariate
    generator : torch.Generator, default=None
        On the device of the tensors; ``None`` uses torch's global generator.
    temperature : float, default=1.0
        Strictly positive.

    Returns
    -------
    samples : torch.Tensor of shape (..., C), or (...) for univariate mixtures

    Examples
    --------
    >>> import torch
    >>> gen = torch.Generator().manual_seed(0)
    >>> logits = torch.tensor([[0.0, -30.0]])           # the first component only
    >>> means, log_scales = torch.tensor([[1.0, 9.0]]), torch.tensor([[-7.0, 0.0]])
    >>> x = sample_mixture(logits, means, log_scales, generator=gen)
    >>> x.shape, bool(abs(x - 1.0).max() < 0.01)
    (torch.Size([1]), True)
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0; got {temperature}.")
    univariate = means.shape == logits.shape
    if univariate:
        means, log_scales = means[..., None], log_scales[..., None]
    batch, k = logits.shape[:-1], logits.shape[-1]
    probs = torch.softmax(logits.reshape(-1, k) / temperature, dim=-1)
    chosen = torch.multinomial(probs, 1, generator=generator)  # (B, 1)
    n_channels = means.shape[-1]
    index = chosen[:, :, None].expand(-1, 1, n_channels)
    mu = means.reshape(-1, k, n_channels).gather(1, index)[:, 0]
    log_sigma = log_scales.reshape(-1, k, n_channels).gather(1, index)[:, 0]
    noise = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    samples = (mu + torch.exp(log_sigma) * math.sqrt(temperature) * noise)
    samples = samples.reshape(*batch, n_channels)
    return samples[..., 0] if univariate else samples
