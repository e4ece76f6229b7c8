"""Conditional diffusion model over magnitude spectrograms (Wang et al., 2024, 3.3 and D.1)."""

import copy
import math
import numbers

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..utils._docstring import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
    _ratio_docstring,
    _sampling_strategy_docstring,
    _verbose_docstring,
)
from ..utils._sampling import SAMPLING_STRATEGY_CONSTRAINTS
from ..utils._torch import resolve_device, seed_from_random_state, torch_generator
from ._base import BaseConditionalGenerator
from ._metric_edit import (
    _EDIT_SCALE,
    condition_scale,
    edit_log_spectrogram,
    fit_edit_knobs,
    log_offset,
)
from ._unet import ConditionalUNet

__all__ = ["ConditionalDiffusionSampler"]

_METRIC_EMA = 0.9  # smoothing of the loss averages that set the metric-loss weights


def _alpha_sigma(t):
    """Cosine schedule (Nichol & Dhariwal 2021) in continuous time ``t`` in [0, 1].

    ``alpha`` is floored so that ``log(alpha / sigma)`` stays finite at ``t = 1``.
    """
    s = 0.008
    alpha = torch.cos((t + s) / (1 + s) * math.pi / 2) / math.cos(s / (1 + s) * math.pi / 2)
    alpha = alpha.clamp(1e-4, 1.0)
    sigma = torch.sqrt((1 - alpha**2).clamp_min(0.0))
    return alpha, sigma


class _ModalityNets(torch.nn.Module):
    """One U-Net per modality; each sees the whole condition vector."""

    def __init__(self, modalities, n_freqs, n_frames, cond_dim, cond_groups, base_channels,
                 conditioning):
        super().__init__()
        self.channels = [list(ch) for ch in modalities.values()]
        self.nets = torch.nn.ModuleList(
            ConditionalUNet(len(ch), n_freqs, n_frames, cond_dim, cond_groups, base_channels,
                            conditioning)
            for ch in self.channels
        )
        order = [c for ch in self.channels for c in ch]
        self.register_buffer("inverse_order", torch.as_tensor(np.argsort(order), dtype=torch.long))
        self.single = len(self.channels) == 1 and order == list(range(len(order)))

    def forward(self, x, t, cond):
        if self.single:
            return self.nets[0](x, t, cond)
        outs = [net(x[:, ch], t, cond) for net, ch in zip(self.nets, self.channels)]
        return torch.cat(outs, dim=1)[:, self.inverse_order]


@Substitution(
    random_state=_random_state_docstring,
    ratio=_ratio_docstring,
    sampling_strategy=_sampling_strategy_docstring,
    verbose=_verbose_docstring,
    device=_device_docstring,
)
class ConditionalDiffusionSampler(BaseConditionalGenerator):
    """Diffusion model of ``p(spectrogram | label, metrics)`` with a metric loss.

    A U-Net per modality (three downsamplings, three upsamplings, skip
    connections) denoises log-scaled, standardised magnitude spectrograms
    (v-prediction, cosine noise schedule, exponential moving average of the
    weights). It is
    conditioned on the label and on the spectral metrics of
    :class:`~skaugment.MetricExtractor` (temporal range, F0 amplitude, contrast,
    flatness, entropy per channel), so :meth:`sample` draws spectrograms whose
    metrics are close to the requested ones. Training adds the paper's metric
    loss (Wang et al., 2024, eq. 1-2): the differentiable metrics of the predicted clean
    spectrogram against the conditioning metrics. Sampling is deterministic and
    few-step (DDIM or DPM-Solver++), optionally SDEdit-style from a real sample,
    and by default metric-guided: at every step the clean-sample estimate is
    nudged towards the requested metrics through a few smooth per-channel knobs
    (gain, spectral shape, temporal variation, tilt, peakiness), since the
    metrics are differentiable.

    Generated spectrograms have the shape and scale of the training input; the
    log scaling and standardisation are learned at fit and undone at sampling,
    where the clean-sample estimate is clamped to the training range.

    Parameters
    ----------
    condition : {"metrics", "label"}, default="metrics"
        ``"metrics"`` conditions on label and metrics; ``"label"`` on the label only
        (the cDiff baseline of Wang et al., 2024), which ignores requested metrics.
    conditioning : {"film", "paper"}, default="film"
        How the condition enters the U-Net: ``"film"`` scales and shifts the
        features of every residual block from a label + metric embedding;
        ``"paper"`` is the embedder of Wang et al., 2024 (D.1), one extra input channel.
    modalities : dict of str -> list of int, default=None
        Channel groups; one U-Net per modality. ``None``: one U-Net for all channels.
    channel_names : list of str, default=None
        Names used in ``condition_names_``; ``None`` gives ``ch0, ch1, ...``.
    hps_factor : int or dict of str -> int, default=2
        Harmonic product spectrum depth of the F0 metric, per modality if a dict.
    max_epochs : int, default=200
        Training epochs.
    batch_size : int, default=64
    lr : float, default=2e-3
        Peak AdamW learning rate, annealed to zero along a cosine.
    base_channels : int, default=16
        U-Net width at full resolution (deeper levels use twice this).
    train_steps : int, default=200
        Number of noise levels the training times are drawn from.
    sample_steps : int, default=5
        Denoising steps from pure noise; with ``strength < 1``,
        ``ceil(strength * sample_steps)`` steps are run. On HAPT, 5 steps control
        the metrics as well as 100 (``benchmarks/results/fidelity.md``).
    solver : {"ddim", "dpm++"}, default="dpm++"
        Deterministic sampler: DDIM or the second-order multistep DPM-Solver++.
    strength : float in (0, 1], default=1.0
        Noise level to start from. 1 generates from pure noise; below 1 starts
        from the real spectrogram ``init`` noised to that level (SDEdit), which
        keeps its structure and moves it towards the requested condition.
    guidance_scale : float, default=1.0
        Classifier-free guidance: 1 is plain conditional sampling, above 1
        extrapolates away from the unconditional prediction (twice the cost).
    cond_drop_prob : float, default=0.1
        Probability of dropping the condition of a training example, which
        trains the unconditional model used by guidance.
    metric_loss_weight : float, default=1.0
        Scale of the metric loss. With 1, the per-metric weights are set so that
        ``L_G : L_metric = 10 : 1`` at the end of the first epoch (Wang et al., 2024, 3.3);
        0 disables it. Metric errors are measured as differences of standardised
        ``asinh``-scaled metrics, so every metric counts alike.
    metric_guidance : float in [0, 1], default=1.0
        Fraction of the Levenberg-Marquardt step towards the requested metrics
        applied to the clean-sample estimate at every sampling step; 0 leaves
        control to the network alone. Ignored with ``condition="label"``.
    metric_guidance_steps : int, default=1
        Levenberg-Marquardt iterations per sampling step.
    ema_decay : float in [0, 1), default=0.995
        Decay of the exponential moving average of the weights that is used for
        sampling (with a warm-up); 0 uses the last weights.
    sample_batch_size : int, default=256
        Spectrograms generated per batch (bounds memory; results do not depend on it).
    %(ratio)s
    %(sampling_strategy)s
    %(device)s
    %(verbose)s
    %(random_state)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    input_shape_ : tuple of int
        ``(n_channels, n_freqs, n_frames)`` seen at fit.
    n_conditions_ : int
        Width of the condition table (``n_channels * 5``).
    condition_names_ : list of str
        ``"{channel}__{metric}"``, as :class:`~skaugment.MetricExtractor` names them.
    train_conditions_ : ndarray of shape (n_samples, n_conditions)
        The conditions seen at fit (drawn from when ``sample`` gets none).
    model_ : torch.nn.Module
        The trained U-Net(s).
    loss_curve_ : list of float
        Mean training loss per epoch.
    metric_weights_ : ndarray of shape (n_conditions,)
        Per-condition metric-loss weights set after the first epoch (zeros when
        the metric loss is off).
    first_epoch_losses_ : tuple or None
        ``(L_G, per-condition unweighted metric losses)`` at the end of the first
        epoch (running averages), from which ``metric_weights_`` were set.
    sample_indices_ : ndarray of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: for each output row, the input row it comes
        from (itself for originals, the source row of its condition for synthetic).
    synthetic_mask_ : ndarray of bool of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: which output rows are generated.
    sampling_strategy_ : dict
        After :meth:`fit_resample`: number of synthetic samples generated for each
        class.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.generators import ConditionalDiffusionSampler
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, 1.0, size=(24, 2, 9, 8)).astype("float32")
    >>> y = np.repeat([0, 1], 12)
    >>> gen = ConditionalDiffusionSampler(max_epochs=2, base_channels=8, random_state=0)
    >>> gen = gen.fit(S, y)
    >>> gen.sample([0, 1, 1]).shape
    (3, 2, 9, 8)
    >>> S_res, y_res = gen.set_params(ratio=0.5).fit_resample(S, y)
    >>> S_res.shape, int(gen.synthetic_mask_.sum())
    ((36, 2, 9, 8), 12)
    """

    _parameter_constraints = {
        "condition": [StrOptions({"metrics", "label"})],
        "conditioning": [StrOptions({"film", "paper"})],
        "modalities": [dict, None],
        "channel_names": ["array-like", None],
        "hps_factor": [Interval(numbers.Integral, 1, None, closed="left"), dict],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "base_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "train_steps": [Interval(numbers.Integral, 2, None, closed="left")],
        "sample_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "solver": [StrOptions({"ddim", "dpm++"})],
        "strength": [Interval(numbers.Real, 0, 1, closed="right")],
        "guidance_scale": [Interval(numbers.Real, 0, None, closed="left")],
        "cond_drop_prob": [Interval(numbers.Real, 0, 1, closed="left")],
        "metric_loss_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "metric_guidance": [Interval(numbers.Real, 0, 1, closed="both")],
        "metric_guidance_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "ema_decay": [Interval(numbers.Real, 0, 1, closed="left")],
        "sample_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "ratio": [Interval(numbers.Real, 0, None, closed="neither")],
        "sampling_strategy": SAMPLING_STRATEGY_CONSTRAINTS,
        "device": [str, torch.device],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(self, condition="metrics", conditioning="film", modalities=None,
                 channel_names=None, hps_factor=2, max_epochs=200, batch_size=64, lr=2e-3,
                 base_channels=16, train_steps=200, sample_steps=5, solver="dpm++",
                 strength=1.0, guidance_scale=1.0, cond_drop_prob=0.1, metric_loss_weight=1.0,
                 metric_guidance=1.0, metric_guidance_steps=1, ema_decay=0.995, sample_batch_size=256, ratio=5.0,
                 sampling_strategy=None, device="auto", verbose=0, random_state=None):
        self.condition = condition
        self.conditioning = conditioning
        self.modalities = modalities
        self.channel_names = channel_names
        self.hps_factor = hps_factor
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.base_channels = base_channels
        self.train_steps = train_steps
        self.sample_steps = sample_steps
        self.solver = solver
        self.strength = strength
        self.guidance_scale = guidance_scale
        self.cond_drop_prob = cond_drop_prob
        self.metric_loss_weight = metric_loss_weight
        self.metric_guidance = metric_guidance
        self.metric_guidance_steps = metric_guidance_steps
        self.ema_decay = ema_decay
        self.sample_batch_size = sample_batch_size
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # -- protocol ---------------------------------------------------------------------------

    @property
    def uses_init(self):
        """True when ``strength < 1``: :meth:`sample` then starts from ``init`` (SDEdit)."""
        return self._check_strength() < 1

    def _missing_init_message(self):
        return (
            f"strength={self.strength} < 1 starts from real spectrograms: pass them as "
            "init (one per requested label), or set strength=1.0 to generate from "
            "pure noise."
        )

    def _check_strength(self):
        strength = self.strength
        if (isinstance(strength, bool) or not isinstance(strength, numbers.Real)
                or not 0 < strength <= 1):
            raise ValueError(f"strength must be in (0, 1]; got {strength!r}.")
        return float(strength)

    # -- scaling ----------------------------------------------------------------------------

    def _fit_scaling(self, S):
        """Learn the log offset and the two-part standardisation of ``_to_model_space``."""
        self.log_offset_ = log_offset(S)
        x = np.log(S + self.log_offset_[:, None, None])
        level = x.mean(axis=3)
        self.x_mean_ = level.mean(axis=0).astype(np.float32)
        self.x_level_std_ = (level.std(axis=0) + 1e-3).astype(np.float32)
        resid = x - level[..., None]
        self.x_resid_std_ = (np.sqrt((resid**2).mean(axis=(0, 3))) + 1e-2).astype(np.float32)

    def _to_model_space(self, S):
        """Magnitude -> log scale, then each (channel, freq) row split in two parts.

        The row's time average is standardised by its spread across samples and
        the deviation from it by its spread within samples. Both become unit-scale,
        so the denoiser is as precise about within-window changes (which drive
        e.g. the temporal range of a gravity-dominated DC bin) as about the level.
        The map is linear and invertible.
        """
        x = np.log(S + self.log_offset_[:, None, None])
        level = x.mean(axis=3, keepdims=True)
        z = (level - self.x_mean_[..., None]) / self.x_level_std_[..., None]
        z = z + (x - level) / self.x_resid_std_[..., None]
        return z.astype(np.float32)

    def _to_magnitude_torch(self, z):
        """Inverse of ``_to_model_space`` on tensors (differentiable)."""
        offset = torch.as_tensor(self.log_offset_[:, None, None], device=z.device)
        return (torch.exp(self._z_to_log(z)) - offset).clamp_min(0.0)

    def _z_to_log(self, z):
        """Model space -> log magnitude (torch)."""
        mean, level_std, resid_std = (
            torch.as_tensor(a[..., None], device=z.device)
            for a in (self.x_mean_, self.x_level_std_, self.x_resid_std_)
        )
        z_level = z.mean(dim=3, keepdim=True)
        return mean + level_std * z_level + resid_std * (z - z_level)

    def _log_to_z(self, log_s):
        """Log magnitude -> model space (torch), the twin of ``_to_model_space``."""
        mean, level_std, resid_std = (
            torch.as_tensor(a[..., None], device=log_s.device)
            for a in (self.x_mean_, self.x_level_std_, self.x_resid_std_)
        )
        level = log_s.mean(dim=3, keepdim=True)
        return (level - mean) / level_std + (log_s - level) / resid_std

    def _condition_features(self, conditions):
        """asinh-scaled, standardised metrics: log-like for large values, defined for any sign."""
        z = np.arcsinh(conditions / self.cond_scale_)
        return ((z - self.cond_mean_) / self.cond_std_).astype(np.float32)

    def _condition_vector(self, features, y_encoded, keep):
        """``[metric features, label one-hot] * keep`` plus a "dropped" flag (torch)."""
        onehot = torch.nn.functional.one_hot(y_encoded, len(self.classes_)).float()
        parts = [onehot] if features is None else [features, onehot]
        keep = keep.float()[:, None]
        return torch.cat([torch.cat(parts, dim=1) * keep, 1.0 - keep], dim=1)

    def _uses_metrics(self):
        return self.condition == "metrics"

    # -- fit --------------------------------------------------------------------------------

    def _fit_model(self, S, y_encoded, conditions):
        device = resolve_device(self.device)
        self.device_ = device
        n, c, n_freqs, n_frames = S.shape
        self._fit_scaling(S)
        X = self._to_model_space(S)
        # the clean-sample prediction is clamped to this range while sampling
        self.x_min_ = X.min(axis=(0, 3), keepdims=True)[0]
        self.x_max_ = X.max(axis=(0, 3), keepdims=True)[0]

        self.cond_scale_ = condition_scale(conditions)
        z = np.arcsinh(conditions / self.cond_scale_)
        self.cond_mean_ = z.mean(axis=0)
        self.cond_std_ = z.std(axis=0) + 1e-6
        n_metric = self.n_conditions_ if self._uses_metrics() else 0
        cond_dim = n_metric + len(self.classes_) + 1
        metric_names = [name.rsplit("__", 1)[-1] for name in self.condition_names_]
        kinds = sorted(set(metric_names))
        groups = [kinds.index(m) for m in metric_names][:n_metric]
        g = len(kinds)
        groups += [g] * len(self.classes_) + [g + 1]

        seed = seed_from_random_state(self.random_state)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = _ModalityNets(self.modalities_, n_freqs, n_frames, cond_dim, groups,
                                  self.base_channels, self.conditioning).to(device)
        gen = torch_generator(seed + 1, device="cpu")

        X_t = torch.as_tensor(X)
        y_t = torch.as_tensor(y_encoded, dtype=torch.long)
        feats_t = torch.as_tensor(self._condition_features(conditions)) if n_metric else None
        use_metric_loss = self._uses_metrics() and self.metric_loss_weight > 0
        if use_metric_loss:
            from ..spectral.functional import spectral_metrics_torch

            target_z = feats_t  # the standardised asinh metrics requested
            cond_scale = torch.as_tensor(self.cond_scale_, dtype=torch.float32, device=device)
            cond_mean = torch.as_tensor(self.cond_mean_, dtype=torch.float32, device=device)
            cond_std = torch.as_tensor(self.cond_std_, dtype=torch.float32, device=device)
        x_lo = torch.as_tensor(self.x_min_, device=device)
        x_hi = torch.as_tensor(self.x_max_, device=device)

        optimizer = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=1e-4)
        batch_size = min(self.batch_size, n)
        n_batches = math.ceil(n / batch_size)
        total = self.max_epochs * n_batches
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total) / total))
        )
        self.metric_weights_ = np.zeros(n_metric)
        self.first_epoch_losses_ = None
        weights_t = None
        ema_lg, ema_lm = None, None
        self.loss_curve_ = []
        epochs = range(self.max_epochs)
        if self.verbose:
            from tqdm.auto import tqdm

            epochs = tqdm(epochs, desc="diffusion fit", unit="epoch")
        ema_model, ema_params = None, None
        if self.ema_decay > 0:
            ema_model = copy.deepcopy(model)
            ema_params = list(ema_model.parameters())
        step = 0
        model.train()
        for epoch in epochs:
            order = torch.randperm(n, generator=gen)
            epoch_loss = 0.0
            for b in range(n_batches):
                idx = order[b * batch_size:(b + 1) * batch_size]
                x0 = X_t[idx].to(device)
                m = x0.shape[0]
                steps = torch.randint(1, self.train_steps + 1, (m,), generator=gen)
                t = (steps.float() / self.train_steps).to(device)
                noise = torch.randn(x0.shape, generator=gen).to(device)
                keep = (torch.rand(m, generator=gen) >= self.cond_drop_prob).to(device)
                feats = feats_t[idx].to(device) if feats_t is not None else None
                cond = self._condition_vector(feats, y_t[idx].to(device), keep)
                alpha, sigma = _alpha_sigma(t)
                a, s = alpha[:, None, None, None], sigma[:, None, None, None]
                x_t = a * x0 + s * noise
                v_pred = model(x_t, t, cond)
                v_true = a * noise - s * x0
                loss_g = ((v_pred - v_true) ** 2).mean()
                loss = loss_g
                if use_metric_loss:
                    x0_hat = torch.minimum(torch.maximum(a * x_t - s * v_pred, x_lo), x_hi)
                    with torch.set_grad_enabled(weights_t is not None):
                        S_hat = self._to_magnitude_torch(x0_hat)
                        m_hat = spectral_metrics_torch(S_hat, hps_factor=self.hps_factor_)
                        z_hat = (torch.asinh(m_hat.reshape(m, -1) / cond_scale) - cond_mean) / cond_std
                        # the clean-sample estimate is only informative at low noise,
                        # so each example counts by its signal fraction alpha^2
                        w_t = (alpha**2 * keep.float())[:, None]
                        per_metric = (w_t * (z_hat - target_z[idx].to(device)) ** 2).mean(dim=0)
                    if weights_t is not None:
                        loss = loss + (weights_t * per_metric).sum()
                    lg, lm = loss_g.item(), per_metric.detach().cpu().numpy()
                    ema_lg = lg if ema_lg is None else _METRIC_EMA * ema_lg + (1 - _METRIC_EMA) * lg
                    ema_lm = lm if ema_lm is None else _METRIC_EMA * ema_lm + (1 - _METRIC_EMA) * lm
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                if ema_params is not None:
                    # warm-up: early averages must not remember the random initialisation
                    decay = min(self.ema_decay, (1 + step) / (10 + step))
                    with torch.no_grad():
                        torch._foreach_lerp_(ema_params, list(model.parameters()), 1 - decay)
                step += 1
                epoch_loss += loss.item() * m
            if use_metric_loss and weights_t is None:
                # Wang et al., 2024, 3.3: L_G : L_metric = 10 : 1 at the end of the first epoch,
                # shared equally among the metrics
                share = 0.1 * ema_lg / n_metric
                self.metric_weights_ = self.metric_loss_weight * share / np.maximum(ema_lm, 1e-12)
                weights_t = torch.as_tensor(self.metric_weights_, dtype=torch.float32,
                                            device=device)
                self.first_epoch_losses_ = (ema_lg, ema_lm)
            self.loss_curve_.append(epoch_loss / n)
            if self.verbose:
                epochs.set_postfix(loss=f"{self.loss_curve_[-1]:.4f}")
        if ema_model is not None:
            model = ema_model
        model.eval()
        self.model_ = model.cpu() if device != "cpu" else model
        self.n_iter_ = self.max_epochs

    # -- sample -----------------------------------------------------------------------------

    def _time_grid(self, strength):
        n_steps = max(1, math.ceil(strength * self.sample_steps))
        return torch.linspace(strength, 0.0, n_steps + 1)

    def _sample_model(self, y_encoded, conditions, init, rng):
        device = resolve_device(self.device)
        # the fitted model stays on the CPU (and pickles there): sample with a copy
        model = self.model_ if device == "cpu" else copy.deepcopy(self.model_).to(device)
        strength = self._check_strength() if init is not None else 1.0
        n = y_encoded.shape[0]
        out = np.empty((n,) + self.input_shape_, dtype=np.float32)
        feats_all = self._condition_features(conditions) if self._uses_metrics() else None
        init_x = self._to_model_space(init) if init is not None else None
        x_lo = torch.as_tensor(self.x_min_, device=device)
        x_hi = torch.as_tensor(self.x_max_, device=device)
        grid = self._time_grid(strength).to(device)
        guided = self.guidance_scale != 1.0
        starts = range(0, n, self.sample_batch_size)
        if self.verbose:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="diffusion sample", unit="batch")
        with torch.no_grad():
            for start in starts:
                stop = min(start + self.sample_batch_size, n)
                m = stop - start
                # numpy's legacy generator yields the same stream however it is chunked,
                # so the samples do not depend on sample_batch_size
                noise = torch.as_tensor(
                    rng.standard_normal((m,) + self.input_shape_).astype(np.float32)
                ).to(device)
                y_b = torch.as_tensor(y_encoded[start:stop], dtype=torch.long, device=device)
                feats = (torch.as_tensor(feats_all[start:stop], device=device)
                         if feats_all is not None else None)
                cond = self._condition_vector(feats, y_b, torch.ones(m, dtype=torch.bool,
                                                                     device=device))
                if guided:
                    null = self._condition_vector(feats, y_b, torch.zeros(m, dtype=torch.bool,
                                                                          device=device))
                    cond = torch.cat([cond, null])
                if init_x is not None:
                    a0, s0 = _alpha_sigma(grid[:1])
                    x = a0 * torch.as_tensor(init_x[start:stop], device=device) + s0 * noise
                else:
                    x = noise * _alpha_sigma(grid[:1])[1]
                target_m = None
                if self.metric_guidance > 0 and self._uses_metrics():
                    target_m = torch.as_tensor(conditions[start:stop], dtype=torch.float32,
                                               device=device)
                x = self._solve(model, x, cond, grid, x_lo, x_hi, guided, target_m)
                S = self._to_magnitude_torch(x)
                out[start:stop] = S.cpu().numpy()
        return out

    def _predict_x0(self, model, x, t, cond, x_lo, x_hi, guided):
        m = x.shape[0]
        tt = t.expand(m)
        if guided:
            v = model(torch.cat([x, x]), torch.cat([tt, tt]), cond)
            v_cond, v_null = v[:m], v[m:]
            v = v_null + self.guidance_scale * (v_cond - v_null)
        else:
            v = model(x, tt, cond)
        alpha, sigma = _alpha_sigma(t)
        # clamping the clean estimate to the training range keeps few-step sampling
        # from overflowing once it leaves the data manifold
        return torch.minimum(torch.maximum(alpha * x - sigma * v, x_lo), x_hi)

    def _metric_correct(self, x0, target_m, x_lo, x_hi):
        """Move the clean estimate's metrics towards the requested ones (metric guidance).

        The estimate is edited through five smooth knobs per channel (gain, spectral
        shape, temporal variation, tilt, peakiness) whose values are fitted by a few
        damped Gauss-Newton (Levenberg-Marquardt) steps on the error of the
        ``asinh``-scaled metrics (:func:`~skaugment.generators.fit_edit_knobs`, shared
        with :class:`~skaugment.generators.MetricEditSampler`). So few degrees of
        freedom keep the edit natural (no single-bin spikes) and the linearisation
        reliable; the denoiser's next steps then repair what the edit leaves unnatural.
        """
        log_s = self._z_to_log(x0.detach())
        knobs = fit_edit_knobs(
            log_s, target_m, log_offset=self.log_offset_,
            metric_scale=_EDIT_SCALE * self.cond_scale_, hps_factor=self.hps_factor_,
            n_iter=self.metric_guidance_steps, step=self.metric_guidance,
        )
        x = self._log_to_z(edit_log_spectrogram(log_s, knobs))
        return torch.minimum(torch.maximum(x, x_lo), x_hi)

    def _solve(self, model, x, cond, grid, x_lo, x_hi, guided, target_m=None):
        """Deterministic DDIM or DPM-Solver++(2M) from ``grid[0]`` down to 0."""
        x0_prev, h_prev = None, None
        for i in range(len(grid) - 1):
            t, s = grid[i], grid[i + 1]
            x0 = self._predict_x0(model, x, t, cond, x_lo, x_hi, guided)
            if target_m is not None:
                x0 = self._metric_correct(x0, target_m, x_lo, x_hi)
            a_t, s_t = _alpha_sigma(t)
            a_s, s_s = _alpha_sigma(s)
            if float(s) == 0.0:
                x = x0
                break
            # exp(-h) with h = lambda_s - lambda_t, lambda = log(alpha / sigma)
            ratio = (s_s * a_t) / (a_s * s_t)
            h = torch.log(a_s / s_s) - torch.log(a_t / s_t)
            d = x0
            if self.solver == "dpm++" and x0_prev is not None:
                r = h_prev / h
                d = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * x0_prev
            x = (s_s / s_t) * x - a_s * (ratio - 1) * d
            x0_prev, h_prev = x0, h
        return x
