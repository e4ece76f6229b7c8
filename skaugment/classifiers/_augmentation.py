"""On-the-fly augmentation of training batches for the skorch classifiers.

A classifier's ``augmentation`` parameter (see :class:`~skaugment.classifiers._base.BaseNetClassifier`)
names skaugment samplers, or callables, that transform every *training* batch
afresh, each epoch, as braindecode's ``AugmentedDataLoader`` does; validation
batches and ``predict``/``predict_proba`` never go through them.

The samplers are used through their public pieces rather than their
``fit_resample``: ``fit_resample`` draws its source rows with replacement within
each class, so it cannot give *one* transformed copy of *each* row of a batch. The
adapters here keep the sampler's parameters and its semantics per row:

- :class:`~skaugment.augmenters.SignalTransformAugmenter`: every chosen row goes
  through the same draw as one synthetic row of ``fit_resample`` (all of
  ``transforms``, or ``n_transforms`` of them drawn per row, then one of
  ``spectral_transforms``), with the functions of
  :mod:`skaugment.augmenters.functional` and the sampler's ``transform_params``,
  ``modalities`` (rotation groups), ``n_fft`` and ``hop_length``; one call per
  transform on all the rows that drew it, never a loop over rows.
- :class:`~skaugment.augmenters.MixupAugmenter`: every chosen row ``i`` is mixed
  with a partner ``j`` drawn uniformly from the batch, ``lambda ~ Beta(alpha,
  alpha)`` per row; its target becomes ``lambda q_i + (1 - lambda) q_j`` (``q``: the
  one-hot label, or the row of class probabilities), so a batch that went through
  mixup carries soft targets, which the classifiers train on with cross-entropy
  against the rows (with the sampler's ``labels="hard"``: the target of the larger
  component instead, which is a label, or a row of class probabilities when an
  earlier step of the list made the batch's targets soft).

``ratio`` keeps its meaning of synthetic rows per real row: each row of a batch is
replaced by its augmented version with probability ``ratio / (1 + ratio)``, so that
the training batches hold, in expectation, the share of synthetic rows that
``fit_resample`` with the same ``ratio`` gives (``ratio=1``: half; the default
``ratio=5``: five in six). ``sampling_strategy`` (balancing classes) has no
per-row meaning and must be ``None``. The randomness comes from the classifier's
``random_state``; the sampler's own ``random_state`` is not used.
"""


import numpy as np

from ..utils._labels import hard_labels

__all__ = ["AugmentedIterator", "BatchAugmentation", "check_augmentation"]

# Tolerance of the row sums of the class probabilities a callable returns.
_SUM_TOLERANCE = 1e-4

_EXPECTED = (
    "augmentation must be None, a SignalTransformAugmenter or MixupAugmenter instance, a "
    "callable f(X_batch, y_batch, rng) -> (X_batch, y_batch), or a list of these (applied in "
    "order)"
)


def _row_probability(ratio):
    """Probability that a row is replaced, so that synthetic / real rows = ``ratio`` on average."""
    return float(ratio) / (1.0 + float(ratio))


def _check_no_sampling_strategy(sampler):
    if getattr(sampler, "sampling_strategy", None) is not None:
        raise ValueError(
            f"{type(sampler).__name__}(sampling_strategy={sampler.sampling_strategy!r}) cannot "
            "augment on the fly: sampling_strategy balances classes by adding rows, while a "
            "classifier's augmentation replaces rows of each training batch (with probability "
            "ratio / (1 + ratio)). Use sampling_strategy=None and ratio, or put the sampler in an "
            "imblearn pipeline before the classifier."
        )


def _one_hot(y, n_classes):
    q = np.zeros((y.shape[0], n_classes), dtype=np.float32)
    q[np.arange(y.shape[0]), y] = 1.0
    return q


class _SignalTransformStep:
    """One :class:`SignalTransformAugmenter`, applied to chosen rows of a batch.

    The sampler's own generation step (``_generate`` of
    :class:`~skaugment.base.BaseAugmenter`) with every chosen row as its source: the
    same per-row draw of transforms, the same functions and strengths as its
    ``fit_resample``, one call per transform on all the rows that drew it.
    """

    def __init__(self, sampler, X, y):
        from sklearn.base import clone

        _check_no_sampling_strategy(sampler)
        # The sampler's own fit validates its parameters against the data and resolves
        # what depends on it (the transforms in use, the triaxial groups); a clone, so
        # that the classifier's parameter is not modified.
        self.fitted = clone(sampler).fit(X, y)
        self.name = type(sampler).__name__
        self.p = _row_probability(sampler.ratio)

    def __call__(self, X, y, rng, n_classes):
        chosen = np.flatnonzero(rng.random_sample(X.shape[0]) < self.p)
        if chosen.size == 0:
            return X, y
        X = np.array(X, dtype=np.float32, copy=True)
        X[chosen] = self.fitted._generate(X, None, chosen, rng)
        return X, y


class _MixupStep:
    """A :class:`MixupAugmenter`: chosen rows mixed with random partners of the batch.

    The sampler's ``_generate`` draws the partners (uniformly from the batch) and the
    weights ``lambda ~ Beta(alpha, alpha)``; the targets mix the rows' targets (one-hot
    labels, or the class probabilities an earlier step gave) with the same weights.
    """

    def __init__(self, sampler, X, y):
        from sklearn.base import clone

        _check_no_sampling_strategy(sampler)
        self.fitted = clone(sampler).fit(X, y)  # the sampler's own parameter validation
        self.name = type(sampler).__name__
        self.p = _row_probability(sampler.ratio)
        # labels="hard": the larger component's label
        self.hard = getattr(sampler, "labels", "soft") == "hard"

    def __call__(self, X, y, rng, n_classes):
        chosen = np.flatnonzero(rng.random_sample(X.shape[0]) < self.p)
        if chosen.size == 0:
            return X, y
        n = X.shape[0]
        y_hard = y.argmax(axis=1) if y.ndim == 2 else y
        new = self.fitted._generate(np.asarray(X, dtype=np.float64), y_hard, chosen, rng)
        X_new = np.array(X, dtype=np.float32, copy=True)
        X_new[chosen] = getattr(new, "X", new)
        partners, lambdas = self.fitted.partner_indices_[n:], self.fitted.lambdas_[n:]
        if self.hard:
            y_new = np.array(y, copy=True)
            y_new[chosen] = np.where(lambdas >= 0.5, y[chosen].T, y[partners].T).T
            return X_new, y_new
        q = _one_hot(y, n_classes) if y.ndim == 1 else np.array(y, dtype=np.float32)
        q[chosen] = lambdas[:, None] * q[chosen] + (1.0 - lambdas[:, None]) * q[partners]
        return X_new, q.astype(np.float32)


class _CallableStep:
    """A user's ``f(X_batch, y_batch, rng) -> (X_batch, y_batch)``, its output checked."""

    def __init__(self, function):
        self.function = function
        self.name = getattr(function, "__name__", type(function).__name__)

    def __call__(self, X, y, rng, n_classes):
        out = self.function(X, y, rng)
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError(
                f"augmentation callable {self.name} must return a tuple (X_batch, y_batch); got "
                f"{type(out).__name__}."
            )
        X_new = np.asarray(out[0], dtype=np.float32)
        if X_new.ndim != X.ndim or X_new.shape[1:] != X.shape[1:]:
            raise ValueError(
                f"augmentation callable {self.name} returned X_batch of shape {X_new.shape}; "
                f"rows must keep the input's shape {X.shape[1:]}."
            )
        if not np.isfinite(X_new).all():
            raise ValueError(f"augmentation callable {self.name} returned NaN or infinity in X_batch.")
        y_new = np.asarray(out[1])
        if y_new.ndim == 1:
            if y_new.shape[0] != X_new.shape[0] or not np.issubdtype(y_new.dtype, np.integer) or (
                y_new.size and (y_new.min() < 0 or y_new.max() >= n_classes)
            ):
                raise ValueError(
                    f"augmentation callable {self.name} returned 1-D y_batch that is not "
                    f"{X_new.shape[0]} encoded labels in 0..{n_classes - 1}."
                )
            return X_new, y_new.astype(np.int64)
        if y_new.ndim != 2 or y_new.shape != (X_new.shape[0], n_classes):
            raise ValueError(
                f"augmentation callable {self.name} returned y_batch of shape {y_new.shape}; "
                f"expected ({X_new.shape[0]},) encoded labels or ({X_new.shape[0]}, "
                f"{n_classes}) class probabilities."
            )
        y_new = y_new.astype(np.float32)
        if (
            not np.isfinite(y_new).all()
            or (y_new < 0).any()
            or np.abs(y_new.sum(axis=1) - 1.0).max() > _SUM_TOLERANCE
        ):
            raise ValueError(
                f"augmentation callable {self.name} returned class probabilities that are not "
                "finite, non-negative rows summing to 1."
            )
        return X_new, y_new


def _as_list(augmentation):
    if augmentation is None:
        return []
    if isinstance(augmentation, (list, tuple)):
        return list(augmentation)
    return [augmentation]


def check_augmentation(augmentation, owner="the classifier"):
    """Check the type of each item of ``augmentation``; raise a ``TypeError`` naming the bad one."""
    from ..augmenters import MixupAugmenter, SignalTransformAugmenter

    for item in _as_list(augmentation):
        if isinstance(item, type):
            raise TypeError(
                f"{_EXPECTED}; got the class {item.__name__} itself: pass an instance, e.g. "
                f"{item.__name__}()."
            )
        if isinstance(item, (SignalTransformAugmenter, MixupAugmenter)):
            continue
        if hasattr(item, "fit_resample"):
            raise TypeError(
                f"{_EXPECTED}; {type(item).__name__} cannot transform a batch on the fly. To "
                f"augment with it, put it before {owner} in an imblearn pipeline "
                "(skaugment.make_pipeline), which calls its fit_resample on the training fold."
            )
        if item is None or isinstance(item, (list, tuple)) or not callable(item):
            raise TypeError(f"{_EXPECTED}; got {type(item).__name__} {item!r} in the list.")


class BatchAugmentation:
    """The fitted ``augmentation`` of a classifier: steps applied to each training batch.

    Parameters
    ----------
    augmentation : sampler, callable or list of them
        The classifier's ``augmentation`` parameter.
    X : ndarray
        The training data as the network sees it: ``(n, c, t)`` raw windows, or 4-D
        spectrograms or images.
    y : ndarray
        Encoded labels ``(n,)`` or class probabilities ``(n, n_classes)``.
    n_classes : int
    input_mode : str
        The classifier's ``input_mode_``; raw-window transforms need
        ``"time_series"``.
    owner : str
        The classifier's name, for the messages.
    """

    def __init__(self, augmentation, X, y, n_classes, input_mode, owner):
        from ..augmenters import MixupAugmenter, SignalTransformAugmenter

        check_augmentation(augmentation, owner)
        self.n_classes = int(n_classes)
        y_hard = hard_labels(y)
        self.steps = []
        for item in _as_list(augmentation):
            if isinstance(item, SignalTransformAugmenter):
                if input_mode != "time_series":
                    raise ValueError(
                        f"{type(item).__name__} transforms raw windows (n_samples, n_channels, "
                        f"n_timesteps), but {owner} was fitted on {X.ndim}-D {input_mode} input "
                        f"of shape {X.shape}: raw-window transforms do not apply to it. Augment "
                        "the raw windows before the STFT instead (an imblearn pipeline with the "
                        "augmenter before the SpectrogramTransformer), or use MixupAugmenter, "
                        "which works on any input."
                    )
                self.steps.append(_SignalTransformStep(item, X, y_hard))
            elif isinstance(item, MixupAugmenter):
                self.steps.append(_MixupStep(item, X, y_hard))
            else:
                self.steps.append(_CallableStep(item))

    def __len__(self):
        return len(self.steps)

    def __call__(self, X, y, rng):
        """``(X, y)`` of one batch through every step, in order.

        ``X`` float32 ``(batch, ...)``; ``y`` int64 ``(batch,)`` or float32 ``(batch,
        n_classes)``.
        """
        for step in self.steps:
            X, y = step(X, y, rng, self.n_classes)
        return np.ascontiguousarray(X, dtype=np.float32), y


class AugmentedIterator:
    """A training iterator whose batches go through a :class:`BatchAugmentation`.

    Each batch ``(X, y)`` of torch tensors is transformed in numpy and handed on as
    tensors: float32 inputs, int64 labels or float32 class probabilities.
    """

    def __init__(self, iterator, augmentation, rng):
        self.iterator = iterator
        self.augmentation = augmentation
        self.rng = rng

    def __len__(self):
        return len(self.iterator)

    def __iter__(self):
        import torch

        for Xb, yb in self.iterator:
            X = Xb.detach().cpu().numpy() if hasattr(Xb, "detach") else np.asarray(Xb)
            y = yb.detach().cpu().numpy() if hasattr(yb, "detach") else np.asarray(yb)
            X, y = self.augmentation(X, y, self.rng)
            y = np.ascontiguousarray(y, dtype=np.float32 if y.ndim == 2 else np.int64)
            yield torch.from_numpy(X), torch.from_numpy(y)
