"""Noise schedule, v-parameterisation and deterministic solvers of the diffusion model.

Pure torch functions of continuous time ``t`` in [0, 1] (0 clean, 1 pure noise),
free of any estimator state, so they are tested alone. The model predicts the
velocity ``v = alpha * noise - sigma * x0`` (Salimans & Ho, 2022); sampling solves
the probability-flow ODE with DDIM (Song et al., 2021) or the second-order
multistep DPM-Solver++(2M) (Lu et al., 2022).
"""

import math

import torch

__all__ = [
    "alpha_sigma",
    "diffuse",
    "draw_training_times",
    "min_snr_weight",
    "solve",
    "solver_step",
    "time_grid",
    "velocity",
    "x0_from_velocity",
]

# s of Nichol & Dhariwal (2021): keeps the noise added by the first steps from vanishing
_COSINE_OFFSET = 0.008
_ALPHA_FLOOR = 1e-4


def alpha_sigma(t):
    """Cosine schedule (Nichol & Dhariwal, 2021) in continuous time.

    Parameters
    ----------
    t : torch.Tensor
        Diffusion times in [0, 1], any shape.

    Returns
    -------
    alpha, sigma : torch.Tensor
        Signal and noise scales, shaped like ``t``, with ``alpha**2 + sigma**2 = 1``.
        ``alpha`` is floored at ``1e-4`` so that ``log(alpha / sigma)`` stays
        finite at ``t = 1``.
    """
    s = _COSINE_OFFSET
    alpha = torch.cos((t + s) / (1 + s) * math.pi / 2) / math.cos(s / (1 + s) * math.pi / 2)
    alpha = alpha.clamp(_ALPHA_FLOOR, 1.0)
    sigma = torch.sqrt((1 - alpha**2).clamp_min(0.0))
    return alpha, sigma


def diffuse(x0, noise, alpha, sigma):
    """The noised sample ``x_t = alpha * x0 + sigma * noise``.

    Parameters
    ----------
    x0, noise : torch.Tensor
        Clean samples and standard normal noise of the same shape.
    alpha, sigma : torch.Tensor
        Scales from :func:`alpha_sigma`, broadcastable against ``x0``.

    Returns
    -------
    x_t : torch.Tensor
    """
    return alpha * x0 + sigma * noise


def velocity(x0, noise, alpha, sigma):
    """The training target of v-prediction, ``alpha * noise - sigma * x0``.

    Parameters
    ----------
    x0, noise : torch.Tensor
        Clean samples and the noise that :func:`diffuse` added to them.
    alpha, sigma : torch.Tensor
        Scales from :func:`alpha_sigma`, broadcastable against ``x0``.

    Returns
    -------
    v : torch.Tensor
    """
    return alpha * noise - sigma * x0


def x0_from_velocity(x_t, v, alpha, sigma):
    """The clean-sample estimate ``alpha * x_t - sigma * v`` from a predicted velocity.

    The inverse of :func:`diffuse` and :func:`velocity`: with the true velocity it
    returns ``x0`` (up to rounding), since ``alpha**2 + sigma**2 = 1``.

    Parameters
    ----------
    x_t, v : torch.Tensor
        Noised samples and the velocity predicted for them.
    alpha, sigma : torch.Tensor
        Scales of ``x_t``'s time, broadcastable against ``x_t``.

    Returns
    -------
    x0 : torch.Tensor
    """
    return alpha * x_t - sigma * v


def min_snr_weight(alpha, sigma, gamma):
    """Min-SNR-gamma weight of each example's velocity loss (Hang et al., 2023).

    The velocity error equals the clean-sample error times ``1 / sigma**2 = SNR + 1``
    (``SNR = alpha**2 / sigma**2``), so weighting the clean-sample loss by
    ``min(SNR, gamma)``, the paper's strategy, weights the velocity loss by
    ``min(SNR, gamma) / (SNR + 1)``: nearly clean examples, whose loss is easy and
    would dominate, count at most ``gamma / (SNR + 1)``.

    Parameters
    ----------
    alpha, sigma : torch.Tensor
        Signal and noise scales (:func:`alpha_sigma`), same shape.
    gamma : float
        The SNR cap, > 0 (the paper's default is 5).

    Returns
    -------
    weight : torch.Tensor, shaped like ``alpha``, in (0, 1)

    Examples
    --------
    >>> import torch
    >>> alpha = torch.tensor([0.6, 0.99])
    >>> w = min_snr_weight(alpha, torch.sqrt(1 - alpha**2), 5.0)
    >>> [round(v, 4) for v in w.tolist()]  # SNR 0.5625 under the cap, 49.25 over it
    [0.36, 0.0995]
    """
    snr = alpha**2 / sigma.clamp_min(_ALPHA_FLOOR) ** 2
    return snr.clamp_max(gamma) / (snr + 1)


def draw_training_times(n, n_levels, generator):
    """Training times: ``k / n_levels`` for ``k`` uniform in ``1 .. n_levels``.

    ``t = 0`` is never drawn: there is nothing to denoise.

    Parameters
    ----------
    n : int
        Number of times.
    n_levels : int
        Number of noise levels.
    generator : torch.Generator
        CPU generator the levels are drawn from.

    Returns
    -------
    t : torch.Tensor of shape (n,), float32, on the CPU
    """
    steps = torch.randint(1, n_levels + 1, (n,), generator=generator)
    return steps.float() / n_levels


def time_grid(strength, n_steps):
    """Sampling times from ``strength`` down to 0.

    Parameters
    ----------
    strength : float in (0, 1]
        Starting time: 1 is pure noise, below 1 a real sample noised to that level.
    n_steps : int
        Steps from pure noise; a start below 1 runs ``ceil(strength * n_steps)``
        (at least one) equal steps.

    Returns
    -------
    grid : torch.Tensor of shape (n_run + 1,), float32
        Decreasing, from ``strength`` to exactly 0.
    """
    n_run = max(1, math.ceil(strength * n_steps))
    return torch.linspace(strength, 0.0, n_run + 1)


def solver_step(x, x0, t, s, *, x0_prev=None, h_prev=None):
    """One deterministic step of the probability-flow ODE from time ``t`` to ``s``.

    DDIM without history, the DPM-Solver++(2M) update given the previous step's
    clean estimate and log-SNR step. Both are exact when ``x0`` is the true clean
    sample of ``x``: ``x = diffuse(x0, noise, *alpha_sigma(t))`` goes to
    ``diffuse(x0, noise, *alpha_sigma(s))``.

    Parameters
    ----------
    x : torch.Tensor
        Current samples at time ``t``.
    x0 : torch.Tensor
        Clean-sample estimate at time ``t``.
    t, s : torch.Tensor
        Scalar times, ``t > s > 0``.
    x0_prev : torch.Tensor, default=None
        Clean estimate of the previous step (second order); ``None`` for DDIM.
    h_prev : torch.Tensor, default=None
        Log-SNR step of the previous step; required with ``x0_prev``.

    Returns
    -------
    x_s : torch.Tensor
        Samples at time ``s``.
    h : torch.Tensor
        This step's log-SNR step ``lambda_s - lambda_t``, ``lambda = log(alpha / sigma)``,
        to pass as the next step's ``h_prev``.
    """
    a_t, s_t = alpha_sigma(t)
    a_s, s_s = alpha_sigma(s)
    exp_neg_h = (s_s * a_t) / (a_s * s_t)
    h = torch.log(a_s / s_s) - torch.log(a_t / s_t)
    d = x0
    if x0_prev is not None:
        r = h_prev / h
        d = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * x0_prev
    return (s_s / s_t) * x - a_s * (exp_neg_h - 1) * d, h


def solve(predict_x0, x, grid, solver="dpm++"):
    """Integrate the probability-flow ODE along ``grid`` down to time 0.

    Parameters
    ----------
    predict_x0 : callable
        ``predict_x0(x, t) -> x0``: the clean-sample estimate of samples ``x`` at
        scalar time ``t`` (the denoiser, with any guidance).
    x : torch.Tensor
        Samples at time ``grid[0]``.
    grid : torch.Tensor of shape (n_steps + 1,)
        Decreasing times ending at 0, e.g. from :func:`time_grid`.
    solver : {"ddim", "dpm++"}, default="dpm++"
        First-order DDIM or second-order multistep DPM-Solver++(2M) (whose first
        step is a DDIM step, as it has no history yet).

    Returns
    -------
    x0 : torch.Tensor
        The samples at time 0: the last clean estimate.
    """
    x0_prev, h_prev = None, None
    for i in range(len(grid) - 1):
        t, s = grid[i], grid[i + 1]
        x0 = predict_x0(x, t)
        if float(s) == 0.0:
            return x0
        x, h = solver_step(x, x0, t, s, x0_prev=x0_prev if solver == "dpm++" else None,
                           h_prev=h_prev)
        x0_prev, h_prev = x0, h
    return x
