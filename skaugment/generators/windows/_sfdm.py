"""SF-DM: a diffusion model of raw sensor windows guided by their statistical features.

The unsupervised statistical feature-guided diffusion model of Zuo et al. (2023),
as used by Yu et al. (2024) for data augmentation (section 3.2): training and
sampling loops over the shared pieces of ``_diffusion_schedule`` (cosine schedule,
v-prediction, DDIM / DPM-Solver++), the 1-D denoiser of ``_conv1d_unet`` and the
statistical features of :class:`~skaugment.StatisticalFeatureExtractor`.
"""

import copy
import numbers
import warnings
from collections.abc import Callable, Sequence
from functools import partial
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ...base import BaseAugmenter
from ...spectral import StatisticalFeatureExtractor
from ...utils import check_finite, check_labels, check_time_series
from ...utils._docstring import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
    _ratio_docstring,
    _sampling_strategy_docstring,
    _verbose_docstring,
)
from ...utils._sampling import encode_known_labels
from ...utils._torch import resolve_device, seed_from_random_state, torch_generator
from ...utils._training import TrainingLoop, cosine_schedule, cycling_batches, seeded
from ...utils._validation import check_rng
from ._conv1d_unet import MIN_TIMESTEPS, Conv1dUNet
from .._diffusion_scaling import clamp
from .._diffusion_schedule import (
    alpha_sigma,
    diffuse,
    draw_training_times,
    solve,
    time_grid,
    velocity,
    x0_from_velocity,
)

__all__ = ["StatisticalDiffusionSampler"]

# noise levels the training times are drawn from: fine enough to be continuous time
_N_NOISE_LEVELS = 1000
# a (window, feature) column whose spread over the training set is at most this is
# constant: it is centred but not scaled
_SCALE_FLOOR = 1e-8


def _floored(scale):
    return np.where(scale > _SCALE_FLOOR, scale, 1.0)


@Substitution(
    random_state=_random_state_docstring,
    ratio=_ratio_docstring,
    sampling_strategy=_sampling_strategy_docstring,
    verbose=_verbose_docstring,
    device=_device_docstring,
)
class StatisticalDiffusionSampler(BaseAugmenter):
    """Diffusion model of raw sensor windows guided by their statistical features (SF-DM).

    The statistical feature-guided diffusion model of Zuo et al. (2023),
    "Unsupervised statistical feature-guided diffusion model for sensor-based human
    activity recognition", the augmenter of Yu et al. (2024), section 3.2. A 1-D
    convolutional encoder-decoder (9-wide kernels, max-pooling down, upsampling
    up, skip connections) denoises windows ``(n_channels, n_timesteps)`` given the
    sequence of their statistical features: per channel the mean, the standard
    deviation, the skewness (constant over time) and the z-scored signal, as
    :class:`~skaugment.StatisticalFeatureExtractor` computes them
    (``layout="sequence"``). The model is trained without labels, so one model
    serves every class: a synthetic window is generated from the features of a
    real window and inherits its label.

    Windows are standardised per channel and the features per channel and
    feature, with statistics learned at fit and undone at sampling. Training
    is v-prediction under a cosine noise schedule, AdamW with a cosine-annealed
    learning rate, gradient clipping and an exponential moving average of the
    weights; sampling is deterministic and few-step (DDIM or DPM-Solver++(2M)),
    the solvers shared with :class:`~skaugment.ConditionalDiffusionSampler`.

    With all four features (the paper's choice) the condition pins its window
    down, since ``x = mean + std * zscore``: samples then follow their source
    windows closely, a learned, slightly noisy reconstruction whose mean and
    standard deviation track the requested ones. Conditioning on
    ``features=["mean", "std", "skewness"]`` leaves the shape of the signal to
    the model, which gives more varied windows but, on small training sets,
    standard deviations that follow the requested ones only loosely (pulled
    towards the average): measure the fidelity before relying on it.

    Parameters
    ----------
    features : list of str, default=None
        Which statistical features condition the model, among ``"mean"``,
        ``"std"``, ``"skewness"`` and ``"zscore"``; ``None`` is all four.
    n_steps : int, default=2000
        Training gradient steps (batches drawn by cycling through shuffles of the
        training windows).
    batch_size : int, default=64
    lr : float, default=2e-3
        Peak AdamW learning rate, annealed to zero along a cosine.
    gradient_clip : float or None, default=1.0
        Maximum gradient norm; ``None`` does not clip.
    base_channels : int, default=16
        Width of the network at full resolution (coarser levels use twice this).
    n_sampling_steps : int, default=10
        Denoising steps from pure noise to a window.
    solver : {"ddim", "dpm++"}, default="dpm++"
        Deterministic sampler: first-order DDIM or second-order multistep
        DPM-Solver++(2M).
    ema_decay : float in [0, 1), default=0.995
        Decay of the exponential moving average of the weights used for sampling
        (with a warm-up); 0 samples with the last weights.
    sample_batch_size : int, default=256
        Windows generated per batch (bounds memory; results do not depend on it).
    %(ratio)s
    %(sampling_strategy)s
    %(device)s
    %(verbose)s
    %(random_state)s

    Attributes
    ----------
    n_channels_ : int
    n_timesteps_ : int
        Window shape seen at fit; :meth:`sample` generates windows of this shape.
    input_shape_ : tuple of int
        ``(n_channels_, n_timesteps_)``.
    features_ : list of str
        The conditioning features, in order.
    x_mean_, x_scale_ : ndarray of shape (n_channels,)
        Per-channel standardisation of the windows.
    cond_mean_, cond_scale_ : ndarray of shape (n_channels, n_features)
        Standardisation of each channel's features.
    x_min_, x_max_ : ndarray of shape (n_channels,)
        Bounds of the clean-window estimate while sampling (standardised scale):
        the training range widened by half its span on each side.
    model_ : torch.nn.Module
        The trained denoiser (weight average when ``ema_decay > 0``), on the CPU.
    loss_curve_ : list of float
        Training loss of every gradient step.
    n_iter_ : int
        Gradient steps run.
    classes_ : ndarray of shape (n_classes,)
        After :meth:`fit_resample`: the labels seen.
    sampling_strategy_ : dict
        After :meth:`fit_resample`: number of synthetic windows of each class.
    sample_indices_ : ndarray of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: for each output row, the input row whose
        features it was generated from (itself for originals).
    synthetic_mask_ : ndarray of bool of shape (n_samples + n_generated,)
        After :meth:`fit_resample`: which output rows are generated.

    See Also
    --------
    skaugment.StatisticalFeatureExtractor : The conditioning features.
    skaugment.ConditionalDiffusionSampler : Diffusion over spectrograms, guided by
        spectral metrics and labels.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment import StatisticalDiffusionSampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(16, 2, 24)).astype("float32")
    >>> y = np.repeat(["walk", "sit"], 8)
    >>> gen = StatisticalDiffusionSampler(n_steps=5, base_channels=8, n_sampling_steps=2,
    ...                                   ratio=0.5, random_state=0)
    >>> X_res, y_res = gen.fit_resample(X, y)
    >>> X_res.shape, int(gen.synthetic_mask_.sum())
    ((24, 2, 24), 8)
    >>> gen.sample(y[:3], init=X[:3]).shape
    (3, 2, 24)
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "features": [list, tuple, None],
        "n_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "gradient_clip": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "base_channels": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_sampling_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "solver": [StrOptions({"ddim", "dpm++"})],
        "ema_decay": [Interval(numbers.Real, 0, 1, closed="left")],
        "sample_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        features: Sequence[str] | None = None,
        n_steps: int = 2000,
        batch_size: int = 64,
        lr: float = 2e-3,
        gradient_clip: float | None = 1.0,
        base_channels: int = 16,
        n_sampling_steps: int = 10,
        solver: Literal["ddim", "dpm++"] = "dpm++",
        ema_decay: float = 0.995,
        sample_batch_size: int = 256,
        ratio: float = 5.0,
        sampling_strategy: float | str | dict | Callable | None = None,
        device: str | torch.device = "auto",
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.features = features
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.lr = lr
        self.gradient_clip = gradient_clip
        self.base_channels = base_channels
        self.n_sampling_steps = n_sampling_steps
        self.solver = solver
        self.ema_decay = ema_decay
        self.sample_batch_size = sample_batch_size
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    # -- validation -------------------------------------------------------------------------

    def _check_windows(self, X, name="X", fitted=False):
        arr = check_time_series(X, min_timesteps=MIN_TIMESTEPS, dtype=np.float64, name=name,
                                n_channels=self.n_channels_ if fitted else None)
        if np.ndim(X) == 2:
            raise ValueError(
                f"{type(self).__name__} takes 3-D raw windows (n_samples, n_channels, "
                f"n_timesteps); got a 2-D {name} of shape {np.shape(X)}. For single-channel "
                f"windows use {name}[:, np.newaxis, :]."
            )
        if fitted and arr.shape[2] != self.n_timesteps_:
            raise ValueError(
                f"{name} has {arr.shape[2]} timesteps, but {self.n_timesteps_} were seen at fit."
            )
        return arr

    def _extractor(self, fitted=True):
        # once fitted, the features the network was trained on, whatever set_params did since
        return StatisticalFeatureExtractor(features=self.features_ if fitted else self.features,
                                           layout="sequence")

    def conditions_from(self, X: ArrayLike) -> np.ndarray:
        """The statistical-feature sequence this model is conditioned on, measured on ``X``.

        Edit it (e.g. scale the ``"std"`` rows) and pass it to :meth:`sample` as
        ``conditions`` to request windows with other statistics.

        Parameters
        ----------
        X : array-like of shape ``(n_samples, n_channels_, n_timesteps_)``

        Returns
        -------
        conditions : ndarray of shape ``(n_samples, n_channels_, len(features_), n_timesteps_)``, float32
            As :class:`~skaugment.StatisticalFeatureExtractor` with
            ``layout="sequence"`` gives them, on the scale of ``X``.
        """
        check_is_fitted(self, "model_")
        X = self._check_windows(X, fitted=True)
        return self._extractor().fit(X).transform(X)

    def _standardised_conditions(self, conditions):
        """``(n, c, k, t)`` features to the network's ``(n, c * k, t)`` float32 input."""
        n, c, k, t = conditions.shape
        # in float32: the (n, c, k, t) tensor is the largest array of a fit
        mean = self.cond_mean_.astype(np.float32)[None, :, :, None]
        scale = self.cond_scale_.astype(np.float32)[None, :, :, None]
        z = (np.asarray(conditions, dtype=np.float32) - mean) / scale
        return z.reshape(n, c * k, t)

    # -- fit --------------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> "StatisticalDiffusionSampler":
        """Train the diffusion model on windows ``X``; labels are not used.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps)
            Raw windows, at least 8 timesteps long (the network pools three times).
        y : None
            Ignored: the model is unsupervised.

        Returns
        -------
        self
        """
        self._fit_model(self._check_windows(X))
        return self

    def _fit_model(self, X):
        """Learn the scalings and train the denoiser; return the standardised conditions."""
        extractor = self._extractor(fitted=False).fit(X)
        self.features_ = list(extractor.features_)
        n, c, t = X.shape
        self.n_channels_, self.n_timesteps_ = c, t
        self.input_shape_ = (c, t)
        self.x_mean_ = X.mean(axis=(0, 2))
        self.x_scale_ = _floored(X.std(axis=(0, 2)))
        Xs = ((X - self.x_mean_[:, None]) / self.x_scale_[:, None]).astype(np.float32)
        lo, hi = Xs.min(axis=(0, 2)).astype(np.float64), Xs.max(axis=(0, 2)).astype(np.float64)
        self.x_min_, self.x_max_ = lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo)
        conditions = extractor.transform(X)
        self.cond_mean_ = conditions.mean(axis=(0, 3), dtype=np.float64)
        self.cond_scale_ = _floored(conditions.std(axis=(0, 3), dtype=np.float64))
        cond = self._standardised_conditions(conditions)

        device = resolve_device(self.device)
        seed = seed_from_random_state(self.random_state)
        with seeded(seed):
            model = Conv1dUNet(c, cond.shape[1], self.base_channels).to(device)
        gen = torch_generator(seed + 1, device="cpu")
        X_t, cond_t = torch.as_tensor(Xs), torch.as_tensor(cond)
        batches = cycling_batches(n, min(self.batch_size, n), gen)

        def get_loss(step):
            idx = next(batches)
            x0 = X_t[idx].to(device)
            t_b = draw_training_times(x0.shape[0], _N_NOISE_LEVELS, gen).to(device)
            noise = torch.randn(x0.shape, generator=gen).to(device)
            alpha, sigma = alpha_sigma(t_b)
            a, s = alpha[:, None, None], sigma[:, None, None]
            x_t = diffuse(x0, noise, a, s)
            v_pred = model(torch.cat([x_t, cond_t[idx].to(device)], dim=1), t_b)
            return ((v_pred - velocity(x0, noise, a, s)) ** 2).mean()

        optimizer = torch.optim.AdamW(model.parameters(), lr=self.lr, weight_decay=1e-4)
        loop = TrainingLoop(
            model, optimizer, get_loss=get_loss, scheduler=cosine_schedule(optimizer, self.n_steps),
            gradient_clip=self.gradient_clip, ema_decay=self.ema_decay, desc="SF-DM fit",
            hint=f"Lower lr (now {self.lr}) or set gradient_clip (now {self.gradient_clip}).",
            verbose=self.verbose)
        self.loss_curve_ = loop.run(self.n_steps).tolist()
        model = loop.final_model
        model.eval()
        self.model_ = model.cpu() if device != "cpu" else model
        self.n_iter_ = self.n_steps
        return cond

    # -- sample -----------------------------------------------------------------------------

    @property
    def uses_init(self) -> bool:
        """True: :meth:`sample` starts from real windows (their statistical features)."""
        return True

    def sample(self, y: ArrayLike | None = None, conditions: ArrayLike | None = None, *,
               init: ArrayLike | None = None,
               random_state: int | np.random.RandomState | None = None,
               X: ArrayLike | None = None) -> np.ndarray:
        """Generate one window per row of ``init`` (from its features) or of ``conditions``.

        The raw-window generator protocol (``docs/generators.md``): ``y`` are the
        labels of the requested windows (the model ignores them; they only have to
        agree in number), ``init`` the real windows each synthetic one starts from.

        Parameters
        ----------
        y : array-like of shape (n_samples,), default=None
            Labels of the requested windows, one per row of ``init`` or
            ``conditions``; None takes the number of rows from them. After
            :meth:`fit_resample`, a label it did not see raises a ``ValueError``.
        conditions : array-like of shape ``(n_samples, n_channels_, len(features_), n_timesteps_)``, default=None
            The feature sequence itself, e.g. :meth:`conditions_from` edited; give
            either ``init`` or ``conditions``.
        init : array-like of shape ``(n_samples, n_channels_, n_timesteps_)``, default=None
            Real windows whose statistical features condition the synthetic ones.
        random_state : int, RandomState instance or None, default=None
            Seeds the noise; ``None`` uses the estimator's ``random_state``.
        X : array-like, default=None
            Deprecated (removed in 0.2): the former name of ``init``.

        Returns
        -------
        X_new : ndarray of shape ``(n_samples, n_channels_, n_timesteps_)``, float32
            Windows on the scale of the training input.
        """
        check_is_fitted(self, "model_")
        # sampling-time parameters (solver, steps, batch size) may have changed since fit
        self._validate_params()
        if y is not None and np.ndim(y) == 3 and X is None:  # the former sample(X)
            warnings.warn("sample(X) is deprecated and will be removed in 0.2: use "
                          "sample(y, init=X) (the raw-window generator protocol).",
                          FutureWarning, stacklevel=2)
            if init is not None:
                raise ValueError("give init, not both init and the deprecated positional X.")
            y, init = None, y
        elif X is not None:
            if init is not None:
                raise ValueError("give init, not both init and the deprecated X.")
            warnings.warn("sample(X=...) is deprecated and will be removed in 0.2: use "
                          "sample(y, init=X).", FutureWarning, stacklevel=2)
            init = X
        if (init is None) == (conditions is None):
            raise ValueError("pass either init (windows whose features to use) or conditions "
                             "(a feature sequence), not both or neither.")
        if init is not None:
            cond = self.conditions_from(self._check_windows(init, name="init", fitted=True))
        else:
            cond = self._check_conditions(conditions)
        if y is not None:
            y = check_labels(y)
            if y.shape[0] != cond.shape[0]:
                what = "init" if init is not None else "conditions"
                raise ValueError(f"y has {y.shape[0]} labels but {what} has {cond.shape[0]} rows.")
            if hasattr(self, "classes_"):  # labels are known only after fit_resample
                encode_known_labels(y, self.classes_, seen="seen at fit_resample")
        rng = check_rng(self.random_state if random_state is None else random_state)
        return self._sample_windows(self._standardised_conditions(cond), rng)

    def _check_conditions(self, conditions):
        arr = np.asarray(conditions)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise TypeError(f"conditions must hold real numbers; got dtype {arr.dtype}.")
        shape = (self.n_channels_, len(self.features_), self.n_timesteps_)
        if arr.ndim != 4 or arr.shape[1:] != shape:
            raise ValueError(
                f"conditions must have shape (n_samples, {', '.join(map(str, shape))}) "
                "(channels, features_, timesteps, as conditions_from returns); got "
                f"{arr.shape}."
            )
        if arr.shape[0] == 0:
            raise ValueError("conditions is empty: nothing to sample.")
        return check_finite(arr.astype(np.float32), "conditions")

    def _sample_windows(self, cond, rng):
        """Windows for standardised conditions ``cond`` (n, c * k, t), noise drawn from ``rng``."""
        device = resolve_device(self.device)
        # the fitted model stays on the CPU (and pickles there): sample with a copy
        model = self.model_ if device == "cpu" else copy.deepcopy(self.model_).to(device)
        n = cond.shape[0]
        shape = (self.n_channels_, self.n_timesteps_)
        out = np.empty((n,) + shape, dtype=np.float32)
        lo = torch.as_tensor(self.x_min_, dtype=torch.float32, device=device)[None, :, None]
        hi = torch.as_tensor(self.x_max_, dtype=torch.float32, device=device)[None, :, None]
        grid = time_grid(1.0, self.n_sampling_steps).to(device)
        _, sigma0 = alpha_sigma(grid[:1])
        mean = self.x_mean_[None, :, None]
        scale = self.x_scale_[None, :, None]
        starts = range(0, n, self.sample_batch_size)
        if self.verbose:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc="SF-DM sample", unit="batch")
        with torch.no_grad():
            for start in starts:
                stop = min(start + self.sample_batch_size, n)
                # numpy's legacy generator yields the same stream however it is chunked,
                # so the samples do not depend on sample_batch_size
                noise = rng.standard_normal((stop - start,) + shape).astype(np.float32)
                x = torch.as_tensor(noise, device=device) * sigma0
                c_b = torch.as_tensor(cond[start:stop], device=device)
                predict_x0 = partial(_predict_x0, model, cond=c_b, lo=lo, hi=hi)
                x = solve(predict_x0, x, grid, solver=self.solver)
                out[start:stop] = (x.cpu().numpy() * scale + mean).astype(np.float32)
        if not np.isfinite(out).all():  # pragma: no cover - the clamp should prevent it
            raise FloatingPointError("sampling produced non-finite windows; refit with a "
                                     "lower lr or more n_sampling_steps.")
        return out

    # -- augmentation (BaseAugmenter.fit_resample) ------------------------------------------

    def _check_X(self, X):
        return self._check_windows(X)

    def _fit(self, X, y, rng):
        self._fit_model(X)  # without the labels; seeded by random_state, not by rng

    def _generate(self, X, y, sources, rng):
        """Windows generated from the statistical features of the source windows."""
        if not sources.size:
            return np.empty((0,) + X.shape[1:], dtype=np.float32)
        # the features of every real window, as the fit measured them (measuring only the
        # sources' could round differently)
        cond = self._standardised_conditions(self._extractor().fit(X).transform(X))
        return self._sample_windows(cond[sources], rng)


def _predict_x0(model, x, t, cond, lo, hi):
    """The denoiser's clean-window estimate at scalar time ``t``, clamped to ``[lo, hi]``."""
    tt = t.expand(x.shape[0])
    v = model(torch.cat([x, cond], dim=1), tt)
    alpha, sigma = alpha_sigma(t)
    # few-step sampling can overshoot once an estimate leaves the data's range; the
    # bound keeps it finite without touching windows inside the (widened) range
    return clamp(x0_from_velocity(x, v, alpha, sigma), lo, hi)
