"""Interpolation of same-class pairs in an autoencoder's feature space (DeVries & Taylor, 2017)."""

import numbers
import os

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods, Interval

from ..base import BaseAugmenter
from ..utils._docstring import Substitution, _sampling_strategy_docstring
from ..utils._sampling import draw_same_class_partners
from ..utils._validation import draw_seed
from ._base import MemoryArg, RandomStateArg, SamplingStrategyArg, fit_with_memory

__all__ = ["FeatureInterpolationAugmenter"]



def _default_autoencoder(modalities):
    from ..generators import ConditionalVAESampler

    # the VAE's architecture without its KL term, trained without labels
    return ConditionalVAESampler(condition="none", modalities=modalities, kl_weight=0.0,
                                 kl_warmup=0.0, free_bits=0.0, metric_loss_weight=0.0)


@Substitution(sampling_strategy=_sampling_strategy_docstring)
class FeatureInterpolationAugmenter(BaseAugmenter):
    """Interpolate same-class pairs in an autoencoder's feature space, then decode.

    Feature-space augmentation (DeVries & Taylor, 2017, "Dataset augmentation in
    feature space"), a baseline of Wang et al., 2024 (Appendix E): an autoencoder
    is trained without labels on the real spectrograms; for each synthetic row, a
    real row ``i`` of a class and a partner ``j`` of the same class (as
    :class:`MetricInterpolationAugmenter` pairs them) are encoded, their feature
    maps mixed as ``b * f_i + (1 - b) * f_j`` with
    ``b ~ N(0.5, b_std**2)`` clipped to ``[0, 1]``, and the mix is decoded
    (:meth:`~skaugment.generators.ConditionalVAESampler.interpolate`). The
    autoencoder is the VAE of :class:`~skaugment.generators.ConditionalVAESampler`
    (residual encoder and decoder, three levels) with ``condition="none"`` and no
    KL term.

    Parameters
    ----------
    autoencoder : ConditionalVAESampler, default=None
        The autoencoder to fit (a clone) on the input: anything with ``fit`` and
        ``interpolate``. ``None``: ``ConditionalVAESampler(condition="none",
        kl_weight=0, kl_warmup=0, free_bits=0, metric_loss_weight=0)`` with this
        augmenter's ``modalities``. When its ``random_state`` is None it is seeded
        from this augmenter's.
    modalities : dict of str -> list of int, default=None
        Channel groups of the default autoencoder (one network per modality);
        must be None when ``autoencoder`` is given (set it there).
    b_std : float, default=0.2
        Standard deviation of the interpolation weight ``b`` around 0.5.
    ratio : float, default=5.0
        Number of synthetic samples divided by the number of real ones; each class
        gets ``round(ratio * n_class)``.
    %(sampling_strategy)s
    random_state : int, RandomState instance or None, default=None
        Seeds the autoencoder (first draw), the pairs and the weights.
    memory : None, str, path or joblib.Memory, default=None
        Where to cache the autoencoder fit (keyed on the data and its parameters),
        so that a grid search over ``ratio`` trains it once per fold.

    Attributes
    ----------
    autoencoder_ : ConditionalVAESampler
        The fitted autoencoder.
    classes_ : ndarray of shape (n_classes,)
    pair_indices_ : ndarray of shape (n_generated,), int
        The partner ``j`` of each synthetic row (``i`` is in ``sample_indices_``).
    interpolation_weights_ : ndarray of shape (n_generated,), float64
        The weight ``b`` of each synthetic row.
    sampling_strategy_ : dict
        Number of synthetic samples generated for each class.
    synthetic_mask_ : ndarray of shape (n_samples + n_generated,), bool
    sample_indices_ : ndarray of shape (n_samples + n_generated,), int

    See Also
    --------
    MetricInterpolationAugmenter : Interpolation of the pairs' metrics, answered by a
        metric-conditioned generator.

    Examples
    --------
    >>> import numpy as np
    >>> from skaugment.augmenters import FeatureInterpolationAugmenter
    >>> from skaugment.generators import ConditionalVAESampler
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, size=(12, 1, 9, 8)).astype("float32")
    >>> y = np.repeat(["walk", "run"], 6)
    >>> ae = ConditionalVAESampler(condition="none", kl_weight=0.0, metric_loss_weight=0.0,
    ...                            n_steps=2, base_channels=4)
    >>> aug = FeatureInterpolationAugmenter(ae, ratio=1.0, random_state=0)
    >>> S_res, y_res = aug.fit_resample(S, y)
    >>> S_res.shape, bool(np.all(y[aug.sample_indices_[12:]] == y[aug.pair_indices_]))
    ((24, 1, 9, 8), True)
    """

    _parameter_constraints = {
        **BaseAugmenter._parameter_constraints,
        "autoencoder": [None, HasMethods(["fit", "interpolate"])],
        "modalities": [dict, None],
        "b_std": [Interval(numbers.Real, 0, None, closed="left")],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
    }

    def __init__(
        self,
        autoencoder: BaseEstimator | None = None,
        *,
        modalities: dict | None = None,
        b_std: float = 0.2,
        ratio: float = 5.0,
        sampling_strategy: SamplingStrategyArg = None,
        random_state: RandomStateArg = None,
        memory: MemoryArg = None,
    ) -> None:
        self.autoencoder = autoencoder
        self.modalities = modalities
        self.b_std = b_std
        self.ratio = ratio
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state
        self.memory = memory

    _input_kind = "spectrograms"

    def _validate_input(self, S, y):
        S, y = super()._validate_input(S, y)
        if self.autoencoder is not None and self.modalities is not None:
            raise ValueError("modalities is for the default autoencoder; with autoencoder "
                             "given, set its own modalities instead.")
        return S, y

    def _fit_autoencoder(self, S, y, seed):
        autoencoder = (_default_autoencoder(self.modalities) if self.autoencoder is None
                       else clone(self.autoencoder))
        params = autoencoder.get_params()
        if "random_state" in params and params["random_state"] is None:
            autoencoder.set_params(random_state=int(seed))
        return fit_with_memory(autoencoder, S, y, self.memory)

    def _fit(self, S, y, rng):
        # the autoencoder's seed is the first draw, whether or not the fit is cached
        self.autoencoder_ = self._fit_autoencoder(S, y, draw_seed(rng))

    def _generate(self, S, y, sources, rng):
        partners = draw_same_class_partners(np.searchsorted(self.classes_, y), sources, rng)
        b = np.clip(rng.normal(0.5, self.b_std, size=sources.size), 0.0, 1.0)
        self.pair_indices_ = partners
        self.interpolation_weights_ = b
        if not sources.size:
            return np.empty((0,) + S.shape[1:], dtype=np.float32)
        return self.autoencoder_.interpolate(S[sources], S[partners], b, y=y[sources])
