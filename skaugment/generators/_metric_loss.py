"""The metric side of the metric-conditioned generators: metric loss and metric guidance.

Shared by the diffusion model and the VAE. Training adds the paper's metric loss
(Wang et al., 2024, eq. 1-2), the error of the differentiable metrics of the
generated (clean-sample) estimate against the conditioning metrics, weighted so
that ``L_G : L_metric = 10 : 1`` after the first epoch.
Sampling nudges every clean-sample estimate towards the requested metrics with
the knob edit shared with :class:`~skaugment.generators.SpectrogramMetricEditSampler`.
"""

import numpy as np

from ._metric_edit import _EDIT_SCALE, edit_log_spectrogram, fit_edit_knobs

__all__ = [
    "balance_metric_weights",
    "metric_guidance_edit",
    "metric_loss_terms",
    "running_average",
]

_METRIC_EMA = 0.9  # smoothing of the loss averages that set the metric-loss weights
_LOSS_RATIO = 0.1  # L_metric / L_G after the first epoch (Wang et al., 2024, 3.3)


def metric_loss_terms(x0_hat, target_features, weights, spectrogram_scaling, condition_scaling,
                      hps_factor):
    """Per-condition metric loss of clean-sample estimates, before the metric weights.

    Parameters
    ----------
    x0_hat : torch.Tensor of shape (n, n_channels, n_freqs, n_frames)
        Clean-sample estimates in model space.
    target_features : torch.Tensor of shape (n, n_conditions)
        The requested metrics as standardised ``asinh`` features
        (:meth:`ConditionScaling.features`).
    weights : torch.Tensor of shape (n,)
        Weight of each example's squared errors.
    spectrogram_scaling : SpectrogramScaling
    condition_scaling : ConditionScaling
    hps_factor : int or sequence of int
        Harmonic product spectrum depth of the F0 metric, per channel if a sequence.

    Returns
    -------
    per_condition : torch.Tensor of shape (n_conditions,)
        Mean over examples of the weighted squared feature errors.
    """
    from ..spectral.functional import spectral_metrics_torch

    S_hat = spectrogram_scaling.model_to_magnitude_torch(x0_hat)
    m_hat = spectral_metrics_torch(S_hat, hps_factor=hps_factor)
    z_hat = condition_scaling.features_torch(m_hat.reshape(x0_hat.shape[0], -1))
    return (weights[:, None] * (z_hat - target_features) ** 2).mean(dim=0)


def running_average(previous, value):
    """Exponential moving average of a loss; the first value starts it.

    Parameters
    ----------
    previous : float, ndarray or None
        The average so far; ``None`` before the first value.
    value : float or ndarray

    Returns
    -------
    average : float or ndarray
    """
    if previous is None:
        return value
    return _METRIC_EMA * previous + (1 - _METRIC_EMA) * value


def balance_metric_weights(loss_g, metric_losses, metric_loss_weight):
    """Per-condition metric-loss weights: ``L_G : L_metric = 10 : 1``, shared equally.

    Wang et al., 2024, 3.3: at the end of the first epoch, each of the ``n``
    weighted metric losses is ``L_G / (10 n)``, times ``metric_loss_weight``.

    Parameters
    ----------
    loss_g : float
        Denoising loss ``L_G``.
    metric_losses : ndarray of shape (n_conditions,)
        Unweighted per-condition metric losses.
    metric_loss_weight : float
        Overall scale of the metric loss.

    Returns
    -------
    weights : ndarray of shape (n_conditions,)
    """
    metric_losses = np.asarray(metric_losses)
    share = _LOSS_RATIO * loss_g / metric_losses.shape[0]
    # the floor keeps a metric the model already matches from getting an infinite weight
    return metric_loss_weight * share / np.maximum(metric_losses, 1e-12)


def metric_guidance_edit(x0, target_metrics, spectrogram_scaling, condition_scaling, *,
                         hps_factor, n_iter, step):
    """Move clean-sample estimates' metrics towards the requested ones (metric guidance).

    The estimate is edited through five smooth knobs per channel (gain, spectral
    shape, temporal variation, tilt, peakiness) whose values are fitted by a few
    damped Gauss-Newton (Levenberg-Marquardt) steps on the error of the
    ``asinh``-scaled metrics (:func:`~skaugment.generators.fit_edit_knobs`, shared
    with :class:`~skaugment.generators.SpectrogramMetricEditSampler`). So few degrees of
    freedom keep the edit natural (no single-bin spikes) and the linearisation
    reliable; the denoiser's next steps then repair what the edit leaves unnatural.

    Parameters
    ----------
    x0 : torch.Tensor of shape (n, n_channels, n_freqs, n_frames)
        Clean-sample estimates in model space.
    target_metrics : torch.Tensor of shape (n, n_conditions), float32
        Requested metrics, channel-major as ``condition_names_``.
    spectrogram_scaling : SpectrogramScaling
    condition_scaling : ConditionScaling
        Its ``scale`` sets the edit's ``asinh`` scale.
    hps_factor : int or sequence of int
        Harmonic product spectrum depth of the F0 metric, per channel if a sequence.
    n_iter : int
        Levenberg-Marquardt iterations.
    step : float in [0, 1]
        Fraction of each iteration's step applied.

    Returns
    -------
    x0_edited : torch.Tensor of the same shape, in model space (unclamped)
    """
    log_s = spectrogram_scaling.model_to_log_torch(x0.detach())
    knobs = fit_edit_knobs(
        log_s, target_metrics, log_offset=spectrogram_scaling.log_offset,
        metric_scale=_EDIT_SCALE * condition_scaling.scale, hps_factor=hps_factor,
        n_iter=n_iter, step=step,
    )
    return spectrogram_scaling.log_to_model_torch(edit_log_spectrogram(log_s, knobs))
