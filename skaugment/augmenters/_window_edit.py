"""Metric editing of raw windows: STFT, five-knob metric edit, inverse STFT with the phase kept."""

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, clone
from sklearn.utils import deprecated
from sklearn.utils._param_validation import HasMethods, Interval

from ..base import BaseAugmenter, Synthetic
from ..spectral._metrics import clip_physical_metrics, disturb_metrics, split_condition_names
from ..utils import check_labels, check_time_series
from ..utils._docstring import Substitution, _sampling_strategy_docstring
from ..utils._validation import _as_float_array, draw_seed
from ._base import BaseMetricAugmenter, RandomStateArg, SamplingStrategyArg
from ._target import draw_target_rows, target_labels

__all__ = ["MetricEditAugmenter", "WindowMetricEditAugmenter"]

# spectrograms edited at once: bounds the memory of the knob fit's autograd graph
_BATCH = 1024


@Substitution(sampling_strategy=_sampling_strategy_docstring)
class WindowMetricEditAugmenter(BaseAugmenter):
    """Disturb the spectral metrics of raw windows by editing their STFT.

    A training-free form of the fine-grained metric control of Wang et al. (2024),
    "Fine-grained Control of Generative Data Augmentation in IoT Sensing"
    (NeurIPS 2024), on raw windows ``(n_samples, n_channels, n_timesteps)``, so
    that it can sit before the :class:`~skaugment.SpectrogramTransformer` of an
    :func:`imblearn.pipeline.make_pipeline` (a sampler is skipped at predict time,
    so it must not change the feature space). For every synthetic row:

    1. a source window: a copy of a random real window of the class
       (``transforms=None``) or a synthetic row of ``transforms`` (e.g. jitter,
       scaling, warping), which then decides sources and class counts;
    2. its metrics (temporal range, F0 amplitude, contrast, flatness, entropy per
       channel) measured on ``|STFT|`` exactly as the pipeline will see them
       (``SpectrogramTransformer(n_fft, hop_length, window=window)``, not
       centred, its default, then :class:`~skaugment.MetricExtractor`);
    3. requested metrics: each one times ``1 + r``, ``r ~ U(low, high)``, as
       :class:`MetricDisturbAugmenter` draws them, clipped to what a spectrogram
       can have (non-negative, flatness at most 1, entropy at most
       ``log2(F * T)``). With ``target``, the metrics disturbed are not the
       source's but those of a random ``target`` window of the same class, as
       :class:`MetricTargetAugmenter` draws them (the paper's *Reconst*; with
       unlabelled windows of the subjects, places or devices a model will meet,
       the training windows take on their spectral character);
    4. five smooth knobs per channel (gain, spectral shape, temporal variation,
       tilt, peakiness; see :func:`~skaugment.generators.edit_log_spectrogram`)
       fitted by ``n_iter`` Levenberg-Marquardt steps so that the edited
       magnitude has the requested metrics; the knobs are applied to the
       magnitude of a centred STFT (whose frames include those of the pipeline's
       STFT, plus edge frames that make the inverse exact at the window's ends),
       the phase is kept, and the inverse STFT gives a window of the same length;
    5. the STFT of that window is not exactly the edited magnitude (an edited
       magnitude with the old phase is not a consistent STFT), so steps 4-5 are
       repeated ``n_rounds`` times on the re-analysed window.

    The real windows come first in the output, unchanged; then the synthetic
    ones. With ``low = high = 0`` and ``transforms=None`` the synthetic rows
    reproduce their sources (up to float32 rounding).

    Measured on HAPT (subjects 1-5: 1,610 windows of 6 channels x 128 steps;
    ``ratio=1``, defaults otherwise, CPU, one thread): median relative error of
    requested vs measured metrics (measured on
    ``SpectrogramTransformer(n_fft=32, hop_length=8)`` of the output windows, as
    ``edit_error_``) and seconds of ``fit_resample``, by ``n_rounds``: 0: 5.6%%,
    3.7 s; 1: 4.5%%, 4.1 s; 2: 3.9%%, 5.5 s; 3: 3.5%%, 7.8 s. Before editing the
    error is 9.7%%; editing the spectrograms themselves
    (:class:`~skaugment.generators.SpectrogramMetricEditSampler`) reaches 2.6%%. At
    ``n_rounds=2``, per metric: temporal range 1.4%%, F0 amplitude 4.5%%,
    contrast 5.2%%, flatness 2.6%%, entropy 9.1%% (entropy hardly moves, see
    :class:`~skaugment.generators.SpectrogramMetricEditSampler`). Command::

        OMP_NUM_THREADS=1 python -c "
        import numpy as np, time
        from skaugment.datasets import load_hapt
        from skaugment.augmenters._window_edit import WindowMetricEditAugmenter
        h = load_hapt(); keep = np.isin(h.groups, [1, 2, 3, 4, 5])
        for r in range(4):
            aug = WindowMetricEditAugmenter(modalities=h.modalities, n_rounds=r, ratio=1.0,
                                            random_state=0)
            t = time.perf_counter(); aug.fit_resample(h.data[keep], h.target[keep])
            print(r, aug.edit_error_, time.perf_counter() - t)"

    Parameters
    ----------
    transforms : sampler, default=None
        ``None`` edits copies of real windows. Otherwise an imbalanced-learn style
        sampler of raw windows with ``fit_resample`` and the fitted attributes
        ``synthetic_mask_`` and ``sample_indices_``; it is cloned, given this
        augmenter's ``ratio``, ``sampling_strategy`` and a seed drawn from its
        ``random_state`` (where it has those parameters), and its synthetic rows
        are what gets edited, each keeping the label the sampler gave it (hard
        labels only: ``MixupAugmenter(labels="hard")``). A ``sampling_strategy``
        other than None needs a sampler with that parameter.
    low : float, default=-0.2
        Smallest relative change of a metric (-0.2 is -20%%). At least -1.
    high : float, default=0.2
        Largest relative change; at least ``low``.
    n_fft : int, default=32
        STFT frame length. Must match the pipeline's
        :class:`~skaugment.SpectrogramTransformer`: the metrics are controlled
        for that STFT.
    hop_length : int, default=8
        STFT hop; must match the pipeline's too. At most ``n_fft // 2``, so that
        the inverse STFT rebuilds every sample stably.
    window : str, tuple or array of shape (n_fft,), default="hann"
        STFT window (a :func:`scipy.signal.get_window` name); must match the
        pipeline's too.
    modalities : dict of str -> list of int, default=None
        Channel groups, for a per-modality ``hps_factor``.
    hps_factor : int or dict of str -> int, default=2
        Harmonic product spectrum depth of the F0 metric, per modality if a dict;
        as the pipeline's :class:`~skaugment.MetricExtractor` (if any) uses it.
    n_iter : int, default=3
        Levenberg-Marquardt iterations of each knob fit.
    n_rounds : int, default=2
        Knob fits on the re-analysed window after the first edit (see above). On
        HAPT (1,610 windows, measurements above) the rounds cost 0.4, 1.4 and
        2.3 s more and lower the error by a fifth (first round), a seventh
        (second), a tenth (third): 2 keeps most of the gain.
    target : array-like of shape (n_target, n_channels, n_timesteps), default=None
        Raw windows of a target domain (e.g. unlabelled windows of new subjects),
        of the input's channels and length, whose metrics (measured with this
        augmenter's STFT) the synthetic rows take instead of their source's. A
        synthetic row of a class that no target window has is dropped, with a
        warning. ``None``: disturb the source's metrics.
    target_y : array-like of shape (n_target,), default=None
        Labels of the ``target`` windows, each seen in ``y``. ``None``: predicted
        from their metrics by ``label_estimator``.
    label_estimator : classifier, default=None
        Predicts the labels of the ``target`` windows from their metrics when
        ``target_y`` is None; a clone is fitted on the metrics and labels of the
        real windows. ``None``: standardised metrics and
        ``KNeighborsClassifier(n_neighbors=5)``.
    ratio : float, default=5.0
        Number of synthetic windows divided by the number of real ones; each class
        gets ``round(ratio * n_class)``, so class proportions are kept (with
        ``transforms``, its own counts at this ratio).
    %(sampling_strategy)s
    random_state : int, RandomState instance or None, default=None
        Seeds ``transforms`` (first draw), the source rows and the metric draws.
        The same ``random_state`` gives the same output on the same machine.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    generator_ : SpectrogramMetricEditSampler
        Fitted on the (non-centred) magnitude spectrograms of the real windows:
        its ``conditions_from`` measures metrics, its ``log_offset_`` and
        ``metric_scale_`` set up the edit.
    transforms_ : sampler or None
        The fitted clone of ``transforms``.
    condition_names_ : list of str
        Names of the metric columns, ``"{channel}__{metric}"``.
    sampling_strategy_ : dict
        Number of synthetic windows of each class.
    synthetic_mask_ : ndarray of shape (n_samples + n_generated,), bool
        True for the synthetic rows of the last output.
    sample_indices_ : ndarray of shape (n_samples + n_generated,), int
        For every output row, the index of its real source row (itself for a real
        row).
    source_conditions_ : ndarray of shape (n_generated, n_conditions), float64
        Metrics of the window each synthetic row was edited from (the transformed
        window with ``transforms``).
    conditions_ : ndarray of shape (n_generated, n_conditions), float64
        The metrics requested of the synthetic rows (after clipping).
    relative_changes_ : ndarray of shape (n_generated, n_conditions), float64
        The drawn ``r``, before clipping.
    target_indices_ : ndarray of shape (n_generated,), int
        With ``target``: the target window each synthetic row took its metrics from.
    target_labels_ : ndarray of shape (n_target,)
        With ``target``: the labels of the target windows (given or predicted).
    edit_error_ : float
        Median relative error ``|measured / requested - 1|`` of the synthetic rows'
        metrics, measured as the pipeline will (non-zero requests only).
    round_errors_ : list of float
        The same error after the first edit and after each round.

    See Also
    --------
    MetricDisturbAugmenter : The same requests, answered by a generator on spectrograms.
    skaugment.generators.SpectrogramMetricEditSampler : The edit on spectrograms.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.augmenters._window_edit import WindowMetricEditAugmenter
    >>> t = np.arange(64)
    >>> rng = np.random.default_rng(0)
    >>> X = np.sin(2 * np.pi * rng.uniform(2, 6, (8, 2, 1)) * t / 64)
    >>> X = X + 0.1 * rng.standard_normal((8, 2, 64))
    >>> y = np.repeat(["walk", "run"], 4)
    >>> aug = WindowMetricEditAugmenter(n_fft=16, hop_length=4, ratio=2.0, random_state=0)
    >>> X_res, y_res = aug.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, int(aug.synthetic_mask_.sum())
    ((24, 2, 64), dtype('float32'), 16)
    >>> bool(aug.edit_error_ < 0.1)
    True
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "transforms": [None, HasMethods(["fit_resample"])],
        "low": [Interval(numbers.Real, -1, None, closed="left")],
        "high": [Interval(numbers.Real, -1, None, closed="left")],
        "n_fft": [Interval(numbers.Integral, 2, None, closed="left")],
        "hop_length": [Interval(numbers.Integral, 1, None, closed="left")],
        "window": [str, tuple, "array-like"],
        "modalities": [dict, None],
        "hps_factor": [Interval(numbers.Integral, 1, None, closed="left"), dict],
        "n_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_rounds": [Interval(numbers.Integral, 0, None, closed="left")],
        "target": [None, "array-like"],
        "target_y": [None, "array-like"],
        "label_estimator": [None, HasMethods(["fit", "predict"])],
    }

    def __init__(
        self,
        transforms: BaseEstimator | None = None,
        *,
        low: float = -0.2,
        high: float = 0.2,
        n_fft: int = 32,
        hop_length: int = 8,
        window: str | tuple | ArrayLike = "hann",
        modalities: dict[str, Sequence[int]] | None = None,
        hps_factor: int | dict[str, int] = 2,
        n_iter: int = 3,
        n_rounds: int = 2,
        target: ArrayLike | None = None,
        target_y: ArrayLike | None = None,
        label_estimator: BaseEstimator | None = None,
        ratio: float = 5.0,
        sampling_strategy: SamplingStrategyArg = None,
        random_state: RandomStateArg = None,
    ) -> None:
        self.transforms = transforms
        self.low = low
        self.high = high
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.window = window
        self.modalities = modalities
        self.hps_factor = hps_factor
        self.n_iter = n_iter
        self.n_rounds = n_rounds
        self.target = target
        self.target_y = target_y
        self.label_estimator = label_estimator
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state


    # -- validation -------------------------------------------------------------------------

    def _check_X(self, X):
        arr = _as_float_array(X, "X", None)
        if arr.ndim != 3:
            raise ValueError(
                "X must be 3-D raw windows (n_samples, n_channels, n_timesteps); got "
                f"{arr.ndim}-D array of shape {arr.shape}. WindowMetricEditAugmenter works before "
                "the STFT: put it before the SpectrogramTransformer of the pipeline."
            )
        return check_time_series(arr, min_timesteps=self.n_fft)

    def _validate_input(self, X, y):
        X, y = super()._validate_input(X, y)
        BaseMetricAugmenter._check_range(self.low, self.high, "WindowMetricEditAugmenter (low, high)")
        from ..spectral import stft_coverage

        # beyond half a frame, samples under a single frame edge come back divided by a
        # tiny window weight, which amplifies the edit
        if (self.hop_length > self.n_fft // 2
                or not stft_coverage(X.shape[2], center=True, **self._stft_kw()).all()):
            raise ValueError(
                f"hop_length={self.hop_length} is too long for n_fft={self.n_fft} and this "
                "window: the inverse STFT cannot rebuild every sample stably; use "
                "hop_length <= n_fft // 2 and a window without zeros inside the frame."
            )
        self._check_target(X)
        return X, y

    def _check_target(self, X):
        """``target`` checked against the input ``X``, or None."""
        if self.target is None:
            return None
        target = _as_float_array(self.target, "target", None)
        if target.ndim != 3 or target.shape[1:] != X.shape[1:]:
            raise ValueError(
                f"target must be raw windows of the input's {X.shape[1]} channels and "
                f"{X.shape[2]} steps, (n_target, {X.shape[1]}, {X.shape[2]}); got shape "
                f"{target.shape}."
            )
        target = check_time_series(target, min_timesteps=self.n_fft, name="target")
        if self.target_y is not None:
            check_labels(self.target_y, n_samples=target.shape[0], name="target_y")
        return target

    def _stft_kw(self):
        return dict(n_fft=self.n_fft, hop_length=self.hop_length, window=self.window)

    def _magnitude(self, X):
        """The spectrograms the pipeline's SpectrogramTransformer would compute."""
        from ..spectral.functional import stft_magnitude

        return stft_magnitude(X, center=False, **self._stft_kw())

    # -- fit --------------------------------------------------------------------------------

    def _fit(self, X, y, rng):
        from ..generators import SpectrogramMetricEditSampler

        # the seed of transforms is always the first draw, so that the draws after it
        # do not depend on whether transforms is set
        self._transforms_seed = draw_seed(rng)
        generator = SpectrogramMetricEditSampler(
            modalities=self.modalities, hps_factor=self.hps_factor, n_iter=self.n_iter,
            batch_size=_BATCH, device="cpu")
        self.generator_ = generator.fit(self._magnitude(X), y)
        self.condition_names_ = list(generator.condition_names_)

    def _draw_sources(self, y, rng):
        # with transforms, its synthetic rows and their sources are what gets edited
        return super()._draw_sources(y, rng) if self.transforms is None else None

    # -- generation -------------------------------------------------------------------------

    def _generate(self, X, y, sources, rng):
        n_channels, n_timesteps = X.shape[1:]
        generator = self.generator_
        _, metric_of_col = split_condition_names(self.condition_names_)
        if sources is None:
            X_src, sources, y_src = self._transformed(X, y)
        else:
            self.transforms_ = None
            X_src, y_src = X[sources], y[sources]
        target = self._check_target(X)
        if target is not None:
            T = generator.conditions_from(self._magnitude(target))
            self.target_labels_, self.label_estimator_ = target_labels(
                T, generator.train_conditions_, y, self.classes_, self.target_y,
                self.label_estimator)
            self.target_indices_, keep = draw_target_rows(
                self.target_labels_, self.classes_, np.searchsorted(self.classes_, y_src), rng)
            X_src, sources, y_src = X_src[keep], sources[keep], y_src[keep]
        if sources.size:
            S_src = self._magnitude(X_src)
            M = generator.conditions_from(S_src)
            base = M if target is None else T[self.target_indices_]
            requested, self.relative_changes_ = disturb_metrics(
                base, np.ones(M.shape[1], dtype=bool), self.low, self.high, rng)
            requested = clip_physical_metrics(requested, metric_of_col, *S_src.shape[2:])
            X_new = self._edit(X_src, S_src, requested)
        else:
            M = requested = self.relative_changes_ = np.empty((0, len(self.condition_names_)))
            X_new = np.empty((0, n_channels, n_timesteps))
            self.round_errors_ = []
            self.edit_error_ = np.nan
        self.source_conditions_ = M
        self.conditions_ = requested
        # the transforms' labels: a mixed row may carry its partner's (MixupAugmenter)
        return Synthetic(X_new, sources, y=y_src)

    def _transformed(self, X, y):
        """The synthetic rows of ``transforms``, the real row each comes from, their labels."""
        transforms = clone(self.transforms)
        params = transforms.get_params()
        given = {"ratio": self.ratio, "random_state": self._transforms_seed}
        if self.sampling_strategy is not None:
            if "sampling_strategy" not in params:
                raise ValueError(
                    f"sampling_strategy={self.sampling_strategy!r} needs a transforms sampler "
                    f"with a sampling_strategy parameter; {type(transforms).__name__} has none, "
                    "so its own counts would decide. Use sampling_strategy=None with it."
                )
            given["sampling_strategy"] = self.sampling_strategy
        elif "ratio" in params:
            # only a ratio-driven sampler reads None as "ratio decides" (imbalanced-learn's
            # own samplers reject None)
            given["sampling_strategy"] = None
        transforms.set_params(**{k: v for k, v in given.items() if k in params})
        X_t, y_t = transforms.fit_resample(X, y)
        if np.ndim(y_t) != 1:
            raise ValueError(
                f"transforms ({type(transforms).__name__}) gave soft labels (class "
                "probabilities), which the edited windows cannot carry on; use "
                "MixupAugmenter(labels='hard'), whose rows are labelled as their larger "
                "component."
            )
        mask = getattr(transforms, "synthetic_mask_", None)
        indices = getattr(transforms, "sample_indices_", None)
        if mask is None or indices is None:
            raise TypeError(
                f"transforms ({type(transforms).__name__}) must set synthetic_mask_ and "
                "sample_indices_ in fit_resample, to tell its synthetic rows and their sources."
            )
        X_t = np.asarray(X_t)
        mask = np.asarray(mask, dtype=bool)
        if X_t.ndim != 3 or X_t.shape[1:] != X.shape[1:] or mask.shape != (X_t.shape[0],):
            raise ValueError(
                f"transforms returned windows of shape {X_t.shape} (and a mask of "
                f"{mask.shape[0]} rows); expected (n_rows, {X.shape[1]}, {X.shape[2]}), raw "
                "windows of the input's channels and length."
            )
        self.transforms_ = transforms
        sources = np.asarray(indices, dtype=np.intp)[mask]
        X_src = check_time_series(X_t[mask].astype(np.float64), name="transformed X") \
            if mask.any() else X_t[mask].astype(np.float64)
        return X_src, sources, np.asarray(y_t)[mask]

    def _edit(self, X_src, S_src, requested):
        """Edit each window's magnitude towards ``requested``; ``1 + n_rounds`` knob fits.

        Rows are independent, so they go in chunks that bound the memory of the
        complex STFTs whatever the number of synthetic rows.
        """
        n_fits = 1 + self.n_rounds
        out = np.empty(X_src.shape, dtype=np.float64)
        measured = np.empty((n_fits,) + requested.shape)
        for start in range(0, X_src.shape[0], _BATCH):
            rows = slice(start, start + _BATCH)
            out[rows] = self._edit_chunk(X_src[rows], S_src[rows], requested[rows],
                                         measured[:, rows])
        self.round_errors_ = [_median_rel_error(m, requested) for m in measured]
        self.edit_error_ = self.round_errors_[-1]
        return out

    def _edit_chunk(self, x, S, requested, measured):
        from ..generators._metric_edit import edit_in_batches
        from ..spectral import istft, stft

        gen = self.generator_
        kw = dict(log_offset=gen.log_offset_, metric_scale=gen.metric_scale_,
                  hps_factor=gen.hps_factor_, n_iter=self.n_iter, bound=1.0,
                  batch_size=_BATCH, device="cpu")
        length = x.shape[2]
        for r in range(measured.shape[0]):
            Z = stft(x, center=True, **self._stft_kw())
            mag = np.abs(Z)
            # the knobs are fitted on the pipeline's (non-centred) frames and applied,
            # anchored on them, to the centred STFT, whose extra edge frames let the
            # inverse rebuild the first and last samples
            edited = edit_in_batches(S, requested, apply_to=mag, **kw)
            phase = np.where(mag > 0, Z / np.where(mag > 0, mag, 1.0), 1.0)
            x = istft(edited * phase, center=True, length=length, **self._stft_kw())
            S = self._magnitude(x)
            measured[r] = gen.conditions_from(S)
        return x


def _median_rel_error(measured, requested):
    ok = requested != 0
    return float(np.median(np.abs(measured[ok] / requested[ok] - 1)))



@deprecated(
    "it was renamed WindowMetricEditAugmenter (it edits raw windows; "
    "SpectrogramMetricEditSampler is the generator of spectrograms) and the old name will be "
    "removed in 0.2."
)
class MetricEditAugmenter(WindowMetricEditAugmenter):
    """Deprecated alias of :class:`WindowMetricEditAugmenter` (removed in 0.2).

    The old name sat next to :class:`~skaugment.SpectrogramMetricEditSampler`, the generator
    that edits spectrograms; this augmenter edits raw windows (after optional
    transforms), so it was renamed.
    """
