"""Conditional diffusion model over magnitude spectrograms (Wang et al., 2024, 3.3 and D.1).

The estimator: training and sampling loops over the pieces of
``_diffusion_schedule`` (noise schedule, v-parameterisation, DDIM / DPM-Solver++),
``_diffusion_scaling`` (spectrograms and metrics to the network's inputs),
``_metric_loss`` (metric loss and metric guidance) and ``_unet`` (the
networks and their condition vector).
"""

import copy
import math
import numbers
from collections.abc import Callable, Sequence
from functools import partial
from typing import Literal

import numpy as np
import torch
from sklearn.utils._param_validation import Hidden, Interval, StrOptions

from ..spectral._metrics import clip_physical_metrics, disturb_metrics, split_condition_names
from ..utils._docstring import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
    _ratio_docstring,
    _sampling_strategy_docstring,
    _verbose_docstring,
)
from ..utils._torch import resolve_device, seed_from_random_state, torch_generator
from ..utils._training import (
    DEPRECATED,
    TrainingLoop,
    cosine_schedule,
    epoch_batches,
    fit_steps,
    seeded,
)
from ._base import BaseConditionalGenerator
from ._metric_loss import (
    balance_metric_weights,
    metric_guidance_edit,
    metric_loss_terms,
    running_average,
)
from ._diffusion_scaling import FittedScalingsMixin, clamp
from ._diffusion_schedule import (
    alpha_sigma,
    diffuse,
    draw_training_times,
    min_snr_weight,
    solve,
    time_grid,
    velocity,
    x0_from_velocity,
)
# _ModalityNets is imported here, where it was once defined, for the pickles that name it so
from ._unet import _ModalityNets, condition_groups, condition_vector

__all__ = ["ConditionalDiffusionSampler"]

# the sampler a student learns: the default one (5 DPM-Solver++ steps, each metric-guided by
# one full Levenberg-Marquardt step); fixed, since fit may not read the sampling parameters
_TEACHER_SAMPLE_STEPS = 5
_TEACHER_GUIDANCE = (1.0, 1)
# teacher samples per training row, and the disturbance of their requested metrics
_DISTILL_POOL_PASSES = 4
_DISTILL_DISTURBANCE = 0.2
_DISTILL_CHUNK = 256


@Substitution(
    random_state=_random_state_docstring,
    ratio=_ratio_docstring,
    sampling_strategy=_sampling_strategy_docstring,
    verbose=_verbose_docstring,
    device=_device_docstring,
)
class ConditionalDiffusionSampler(FittedScalingsMixin, BaseConditionalGenerator):
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
    n_steps : int, default=5400
        Gradient steps of a fit (batches of ``batch_size``): 5,400 is 200 passes
        over the 1,714 spectrograms of five HAPT subjects.
    max_epochs : int, optional
        Deprecated (removed in 0.2): passes over the training data instead of
        ``n_steps``; set, it keeps its old meaning and warns.
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
        ``L_G : L_metric = 10 : 1`` after the first pass over the data (Wang et al., 2024, 3.3);
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
    min_snr_gamma : float or None, default=None
        Min-SNR-gamma loss weighting (Hang et al., 2023, "Efficient diffusion
        training via min-SNR weighting strategy"): each example's velocity loss
        weighted by ``min(SNR, gamma) / (SNR + 1)`` (:func:`min_snr_weight`); the
        paper takes 5. None: the plain velocity loss.
    sample_batch_size : int, default=256
        Spectrograms generated per batch (bounds memory; results do not depend on it).
    distill_steps : int or None, default=None
        Sampling steps of a distilled student. When set, :meth:`fit` ends by
        training a copy of the network (the student) to produce in ``distill_steps``
        DDIM steps what the trained model (the teacher) makes in the default
        sampler's 5 metric-guided DPM-Solver++ steps from the same noise and
        condition: knowledge distillation of the deterministic sampler (Luhman and
        Luhman, 2021, "Knowledge distillation in iterative generative models for
        improved sampling speed"). The teacher's outputs are made once, for every
        training row's label and metrics disturbed by ``1 + U(-0.2, 0.2)`` (the
        requests of :class:`~skaugment.MetricDisturbAugmenter`, clipped to physical
        bounds as it clips them), four times over; the student learns them without metric
        guidance on its path and is metric-guided at sampling like the teacher
        (``metric_guidance``). :meth:`sample` then uses the student, except from a
        real sample (``strength < 1``) or with ``guidance_scale != 1``, which run the
        teacher with ``sample_steps`` and ``solver``. None: no student.
    distill_n_steps : int, default=1500
        Gradient steps of the student (batches of ``batch_size``; AdamW at ``lr``
        annealed along a cosine; moving average of the weights as for the teacher).
        Ignored without ``distill_steps``. On HAPT 1,500 steps followed the requested
        metrics a little closer than 500 (mean Spearman 0.891 against 0.885).
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
    condition_ : str
        The ``condition`` the networks were trained with (what sampling uses).
    n_conditions_ : int
        Width of the condition table (``n_channels * 5``).
    condition_names_ : list of str
        ``"{channel}__{metric}"``, as :class:`~skaugment.MetricExtractor` names them.
    train_conditions_ : ndarray of shape (n_samples, n_conditions)
        The conditions seen at fit (drawn from when ``sample`` gets none).
    model_ : torch.nn.Module
        The trained U-Net(s).
    loss_curve_ : list of float
        Training loss of every gradient step.
    n_iter_ : int
        Gradient steps run.
    student_model_ : torch.nn.Module or None
        The distilled student (``distill_steps`` set), else None.
    student_steps_ : int or None
        Sampling steps the student was trained for.
    distill_loss_curve_ : list of float
        Distillation loss (mean squared error to the teacher's samples, in model
        space) of every student step; empty without a student.
    metric_weights_ : ndarray of shape (n_conditions,)
        Per-condition metric-loss weights set after the first pass over the data
        (zeros when the metric loss is off). A fit of fewer ``n_steps`` than one
        pass sets them at its last step and so never trains with the metric loss.
    first_epoch_losses_ : tuple or None
        ``(L_G, per-condition unweighted metric losses)`` at the end of the first
        pass (running averages), from which ``metric_weights_`` were set.
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
    >>> gen = ConditionalDiffusionSampler(n_steps=2, base_channels=8, random_state=0)
    >>> gen = gen.fit(S, y)
    >>> gen.sample([0, 1, 1]).shape
    (3, 2, 9, 8)
    >>> S_res, y_res = gen.set_params(ratio=0.5).fit_resample(S, y)
    >>> S_res.shape, int(gen.synthetic_mask_.sum())
    ((36, 2, 9, 8), 12)

    A one-step student distilled at the end of the fit samples faster:

    >>> fast = ConditionalDiffusionSampler(n_steps=2, base_channels=8, distill_steps=1,
    ...                                    distill_n_steps=2, random_state=0).fit(S, y)
    >>> fast.sample([0, 1]).shape, fast.student_steps_
    ((2, 2, 9, 8), 1)
    """

    _parameter_constraints = {
        **BaseConditionalGenerator._parameter_constraints,
        "condition": [StrOptions({"metrics", "label"})],
        "conditioning": [StrOptions({"film", "paper"})],
        "modalities": [dict, None],
        "channel_names": ["array-like", None],
        "hps_factor": [Interval(numbers.Integral, 1, None, closed="left"), dict],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left"),
                       Hidden(StrOptions({DEPRECATED}))],
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
        "min_snr_gamma": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "sample_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "distill_steps": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "distill_n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    _sample_params = BaseConditionalGenerator._sample_params + (
        "sample_steps", "solver", "strength", "guidance_scale", "metric_guidance",
        "metric_guidance_steps", "sample_batch_size")

    def __init__(
        self,
        condition: Literal["metrics", "label"] = "metrics",
        conditioning: Literal["film", "paper"] = "film",
        modalities: dict[str, Sequence[int]] | None = None,
        channel_names: Sequence[str] | None = None,
        hps_factor: int | dict[str, int] = 2,
        n_steps: int = 5400,
        max_epochs: int | str = DEPRECATED,
        batch_size: int = 64,
        lr: float = 2e-3,
        base_channels: int = 16,
        train_steps: int = 200,
        sample_steps: int = 5,
        solver: Literal["ddim", "dpm++"] = "dpm++",
        strength: float = 1.0,
        guidance_scale: float = 1.0,
        cond_drop_prob: float = 0.1,
        metric_loss_weight: float = 1.0,
        metric_guidance: float = 1.0,
        metric_guidance_steps: int = 1,
        ema_decay: float = 0.995,
        min_snr_gamma: float | None = None,
        sample_batch_size: int = 256,
        distill_steps: int | None = None,
        distill_n_steps: int = 1500,
        ratio: float = 5.0,
        sampling_strategy: float | str | dict | Callable | None = None,
        device: str | torch.device = "auto",
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.condition = condition
        self.conditioning = conditioning
        self.modalities = modalities
        self.channel_names = channel_names
        self.hps_factor = hps_factor
        self.n_steps = n_steps
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
        self.min_snr_gamma = min_snr_gamma
        self.sample_batch_size = sample_batch_size
        self.distill_steps = distill_steps
        self.distill_n_steps = distill_n_steps
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

    def _uses_metrics(self):
        # the fitted networks' conditioning: `condition` changed after fit does not apply
        return self.condition_ == "metrics"

    # -- fit --------------------------------------------------------------------------------

    def _fit_model(self, S, y_encoded, conditions):
        self.condition_ = self.condition
        device = resolve_device(self.device)
        self.device_ = device
        n, c, n_freqs, n_frames = S.shape
        scaling = self._fit_spectrogram_scaling(S)
        X = scaling.to_model_space(S)
        # the clean-sample prediction is clamped to this range while sampling
        self.x_min_ = X.min(axis=(0, 3), keepdims=True)[0]
        self.x_max_ = X.max(axis=(0, 3), keepdims=True)[0]
        cond_scaling = self._fit_condition_scaling(conditions)

        use_metrics = self._uses_metrics()
        n_metric = self.n_conditions_ if use_metrics else 0
        n_classes = len(self.classes_)
        groups = condition_groups(self.condition_names_, n_classes, use_metrics=use_metrics)
        seed = seed_from_random_state(self.random_state)
        with seeded(seed):
            model = _ModalityNets(self.modalities_, n_freqs, n_frames, len(groups), groups,
                                  self.base_channels, self.conditioning).to(device)
        gen = torch_generator(seed + 1, device="cpu")

        X_t = torch.as_tensor(X)
        y_t = torch.as_tensor(y_encoded, dtype=torch.long)
        # the standardised asinh metrics: the network's input and the metric loss's target
        feats_t = torch.as_tensor(cond_scaling.features(conditions)) if n_metric else None
        use_metric_loss = use_metrics and self.metric_loss_weight > 0
        x_lo = torch.as_tensor(self.x_min_, device=device)
        x_hi = torch.as_tensor(self.x_max_, device=device)

        batch_size = min(self.batch_size, n)
        n_batches = math.ceil(n / batch_size)
        batches = epoch_batches(n, batch_size, gen)
        self.metric_weights_ = np.zeros(n_metric)
        self.first_epoch_losses_ = None
        # the metric-loss weights, fixed after the first pass (which only measures)
        state = {"weights": None, "ema_lg": None, "ema_lm": None}

        def get_loss(step):
            idx = next(batches)
            x0 = X_t[idx].to(device)
            m = x0.shape[0]
            t = draw_training_times(m, self.train_steps, gen).to(device)
            noise = torch.randn(x0.shape, generator=gen).to(device)
            keep = (torch.rand(m, generator=gen) >= self.cond_drop_prob).to(device)
            feats = feats_t[idx].to(device) if feats_t is not None else None
            cond = condition_vector(feats, y_t[idx].to(device), keep, n_classes)
            alpha, sigma = alpha_sigma(t)
            a, s = alpha[:, None, None, None], sigma[:, None, None, None]
            x_t = diffuse(x0, noise, a, s)
            v_pred = model(x_t, t, cond)
            sq_err = (v_pred - velocity(x0, noise, a, s)) ** 2
            if self.min_snr_gamma is None:
                loss_g = sq_err.mean()
            else:
                loss_g = (min_snr_weight(alpha, sigma, self.min_snr_gamma)
                          * sq_err.mean(dim=(1, 2, 3))).mean()
            loss = loss_g
            if use_metric_loss:
                weights = state["weights"]
                x0_hat = clamp(x0_from_velocity(x_t, v_pred, a, s), x_lo, x_hi)
                with torch.set_grad_enabled(weights is not None):
                    # the clean-sample estimate is only informative at low noise,
                    # so each example counts by its signal fraction alpha^2
                    per_metric = metric_loss_terms(
                        x0_hat, feats, alpha**2 * keep.float(), scaling, cond_scaling,
                        self.hps_factor_,
                    )
                if weights is not None:
                    loss = loss + (weights * per_metric).sum()
                state["ema_lg"] = running_average(state["ema_lg"], loss_g.item())
                state["ema_lm"] = running_average(state["ema_lm"],
                                                  per_metric.detach().cpu().numpy())
            return loss

        def after_step(step, loss):
            # after the first pass, or at the end of a fit shorter than one pass (whose
            # weights then only report what the pass measured)
            if use_metric_loss and step == min(n_batches, n_steps) - 1:
                self.metric_weights_ = balance_metric_weights(state["ema_lg"], state["ema_lm"],
                                                              self.metric_loss_weight)
                state["weights"] = torch.as_tensor(self.metric_weights_, dtype=torch.float32,
                                                   device=device)
                self.first_epoch_losses_ = (state["ema_lg"], state["ema_lm"])

        n_steps = fit_steps(self, n_batches)
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=1e-4)
        loop = TrainingLoop(
            model, optimizer, get_loss=get_loss, scheduler=cosine_schedule(optimizer, n_steps),
            gradient_clip=1.0, ema_decay=self.ema_decay, after_step=after_step,
            desc="diffusion fit", hint=f"Lower lr (now {self.lr}).", verbose=self.verbose)
        losses = loop.run(n_steps)
        self.loss_curve_ = losses.tolist()
        model = loop.final_model
        model.eval()
        self.student_model_, self.student_steps_, self.distill_loss_curve_ = None, None, []
        if self.distill_steps is not None:
            student = self._distill_student(model, y_t, conditions, cond_scaling, gen, seed + 2,
                                            device, x_lo, x_hi)
            self.student_model_ = student.cpu() if device != "cpu" else student
            self.student_steps_ = int(self.distill_steps)
        self.model_ = model.cpu() if device != "cpu" else model
        self.n_iter_ = n_steps

    def _distill_student(self, teacher, y_t, conditions, cond_scaling, gen, seed, device, x_lo,
                         x_hi):
        """Train a copy of ``teacher`` to sample in ``distill_steps`` DDIM steps (class docs)."""
        n = y_t.shape[0]
        n_classes = len(self.classes_)
        rows = torch.arange(_DISTILL_POOL_PASSES * n) % n
        n_pool = rows.shape[0]
        use_metrics = self._uses_metrics()
        if use_metrics:
            # the requests MetricDisturbAugmenter makes of a fitted generator
            columns = np.ones(conditions.shape[1], dtype=bool)
            requested, _ = disturb_metrics(conditions[rows.numpy()], columns,
                                           -_DISTILL_DISTURBANCE, _DISTILL_DISTURBANCE,
                                           np.random.RandomState(seed))
            requested = clip_physical_metrics(
                requested, split_condition_names(self.condition_names_)[1],
                *self.input_shape_[1:])
            feats = torch.as_tensor(cond_scaling.features(requested)).to(device)
            targets_m = torch.as_tensor(requested, dtype=torch.float32, device=device)
        labels = y_t[rows].to(device)
        keep = torch.ones(n_pool, dtype=torch.bool, device=device)
        cond = condition_vector(feats if use_metrics else None, labels, keep, n_classes)
        teacher_grid = time_grid(1.0, _TEACHER_SAMPLE_STEPS).to(device)
        # pure noise at the grid's first time: the only pool tensor kept besides the targets
        x_start = (torch.randn((n_pool,) + self.input_shape_, generator=gen).to(device)
                   * alpha_sigma(teacher_grid[:1])[1])
        targets = torch.empty_like(x_start)
        with torch.no_grad():
            for start in range(0, n_pool, _DISTILL_CHUNK):
                b = slice(start, start + _DISTILL_CHUNK)
                predict_x0 = partial(self._predict_x0, teacher, cond=cond[b], x_lo=x_lo,
                                     x_hi=x_hi, guided=False,
                                     target_m=targets_m[b] if use_metrics else None,
                                     guidance=_TEACHER_GUIDANCE)
                targets[b] = solve(predict_x0, x_start[b], teacher_grid, solver="dpm++")

        student = copy.deepcopy(teacher)
        grid = time_grid(1.0, self.distill_steps).to(device)
        batch_size = min(self.batch_size, n_pool)
        batches = epoch_batches(n_pool, batch_size, gen)

        def get_loss(step):
            idx = next(batches).to(device)
            # without metric guidance on its path: the student learns the guided result
            # itself (guidance passed straight through its path trained worse: on 150
            # synthetic spectrograms the loss rose and the metric error tripled)
            predict_x0 = partial(self._predict_x0, student, cond=cond[idx], x_lo=x_lo,
                                 x_hi=x_hi, guided=False)
            out = solve(predict_x0, x_start[idx], grid, solver="ddim")
            return ((out - targets[idx]) ** 2).mean()

        optimizer = torch.optim.AdamW(student.parameters(), lr=self.lr, weight_decay=1e-4)
        loop = TrainingLoop(
            student, optimizer, get_loss=get_loss,
            scheduler=cosine_schedule(optimizer, self.distill_n_steps), gradient_clip=1.0,
            ema_decay=self.ema_decay, desc="diffusion distillation",
            hint=f"Lower lr (now {self.lr}).", verbose=self.verbose)
        self.distill_loss_curve_ = loop.run(self.distill_n_steps).tolist()
        student = loop.final_model
        student.eval()
        return student

    # -- sample -----------------------------------------------------------------------------

    def _sample_model(self, y_encoded, conditions, init, rng):
        device = resolve_device(self.device)
        guided = self.guidance_scale != 1.0
        student = getattr(self, "student_model_", None)
        use_student = student is not None and init is None and not guided
        model = student if use_student else self.model_
        # the fitted model stays on the CPU (and pickles there): sample with a copy
        model = model if device == "cpu" else copy.deepcopy(model).to(device)
        strength = self._check_strength() if init is not None else 1.0
        n = y_encoded.shape[0]
        n_classes = len(self.classes_)
        out = np.empty((n,) + self.input_shape_, dtype=np.float32)
        scaling = self._spectrogram_scaling()
        feats_all = (self._condition_scaling().features(conditions) if self._uses_metrics()
                     else None)
        init_x = scaling.to_model_space(init) if init is not None else None
        x_lo = torch.as_tensor(self.x_min_, device=device)
        x_hi = torch.as_tensor(self.x_max_, device=device)
        if use_student:
            grid, solver = time_grid(1.0, self.student_steps_).to(device), "ddim"
        else:
            grid, solver = time_grid(strength, self.sample_steps).to(device), self.solver
        alpha0, sigma0 = alpha_sigma(grid[:1])
        metric_guided = self.metric_guidance > 0 and self._uses_metrics()
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
                cond = condition_vector(feats, y_b, torch.ones(m, dtype=torch.bool,
                                                               device=device), n_classes)
                if guided:
                    null = condition_vector(feats, y_b, torch.zeros(m, dtype=torch.bool,
                                                                    device=device), n_classes)
                    cond = torch.cat([cond, null])
                if init_x is not None:
                    x = diffuse(torch.as_tensor(init_x[start:stop], device=device), noise,
                                alpha0, sigma0)
                else:
                    x = noise * sigma0
                target_m = (torch.as_tensor(conditions[start:stop], dtype=torch.float32,
                                            device=device) if metric_guided else None)
                predict_x0 = partial(self._predict_x0, model, cond=cond, x_lo=x_lo, x_hi=x_hi,
                                     guided=guided, target_m=target_m)
                x = solve(predict_x0, x, grid, solver=solver)
                out[start:stop] = scaling.model_to_magnitude_torch(x).cpu().numpy()
        return out

    def _predict_x0(self, model, x, t, cond, x_lo, x_hi, guided, target_m=None, guidance=None):
        """Clean-sample estimate at scalar time ``t``: the denoiser's, metric-guided if asked.

        Classifier-free guided when ``guided`` (``cond`` then holds the conditional
        rows, then the dropped ones); moved towards the metrics ``target_m`` unless
        it is None, by ``guidance = (step, n_iter)`` (None: ``metric_guidance``,
        ``metric_guidance_steps``).
        """
        m = x.shape[0]
        tt = t.expand(m)
        if guided:
            v = model(torch.cat([x, x]), torch.cat([tt, tt]), cond)
            v_cond, v_null = v[:m], v[m:]
            v = v_null + self.guidance_scale * (v_cond - v_null)
        else:
            v = model(x, tt, cond)
        alpha, sigma = alpha_sigma(t)
        # clamping the clean estimate to the training range keeps few-step sampling
        # from overflowing once it leaves the data manifold
        x0 = clamp(x0_from_velocity(x, v, alpha, sigma), x_lo, x_hi)
        if target_m is not None:
            x0 = self._metric_correct(x0, target_m, x_lo, x_hi, guidance=guidance)
        return x0

    def _metric_correct(self, x0, target_m, x_lo, x_hi, guidance=None):
        """Metric guidance of the clean estimate (:func:`metric_guidance_edit`), clamped.

        ``guidance = (step, n_iter)``; None: ``metric_guidance``, ``metric_guidance_steps``.
        """
        step, n_iter = guidance or (self.metric_guidance, self.metric_guidance_steps)
        x = metric_guidance_edit(
            x0, target_m, self._spectrogram_scaling(), self._condition_scaling(),
            hps_factor=self.hps_factor_, n_iter=n_iter, step=step,
        )
        return clamp(x, x_lo, x_hi)
