"""Figures: metric control, augmentation comparisons, confusion matrices.

matplotlib is optional: ``pip install skaugment[plot]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from .utils._validation import draw_seed
from .utils import check_labels, check_spectrogram

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from sklearn.base import BaseEstimator

    from .evaluation import AugmentationComparison

__all__ = ["plot_confusion_matrices", "plot_metric_control", "plot_paired_differences"]

# Keeps the log of silent bins finite in the image.
_LOG_EPS = 1e-6


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib: pip install skaugment[plot]"
        ) from exc
    return plt


def plot_metric_control(
    generator: BaseEstimator,
    S: ArrayLike,
    y: ArrayLike,
    *,
    index: int = 0,
    metrics: Sequence[str] = ("temporal_range", "f0_amplitude", "contrast"),
    factors: Sequence[float] = (-0.4, -0.2, 0, 0.2, 0.4),
    channel: int = 0,
    random_state: int | np.random.RandomState | None = None,
    ax: np.ndarray | None = None,
) -> Figure:
    """Vary one metric of one real sample at a time and show what the generator makes.

    The paper's Figure 4 (Wang et al., 2024): the metrics of sample ``S[index]`` are
    measured; for each metric in ``metrics`` and each relative change ``f`` in
    ``factors``, that metric of ``channel`` is set to ``(1 + f)`` times its value
    (the others kept), and the generator draws a spectrogram of the sample's label
    with those conditions. Each panel shows ``log(S + 1e-6)`` of ``channel`` of one
    generated spectrogram (frequency upwards), titled with the requested and the
    measured value of the varied metric. All panels share one noise seed.

    Parameters
    ----------
    generator : fitted conditional generator
        E.g. a fitted :class:`~skaugment.ConditionalDiffusionSampler` (with
        ``condition="metrics"``).
    S : array-like of shape (n_samples, n_channels, n_freqs, n_frames)
        Magnitude spectrograms; only ``S[index]`` is used.
    y : array-like of shape (n_samples,)
        Their labels.
    index : int, default=0
        The real sample to start from.
    metrics : sequence of str, default=("temporal_range", "f0_amplitude", "contrast")
        One row of panels per metric.
    factors : sequence of float, default=(-0.4, -0.2, 0, 0.2, 0.4)
        One column per relative change (each at least -1).
    channel : int, default=0
        The channel whose metric is varied and which is shown.
    random_state : int, RandomState instance or None, default=None
        Seeds the generator's noise.
    ax : array of matplotlib Axes of shape (len(metrics), len(factors)), default=None
        Where to draw; ``None`` makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skaugment import ConditionalDiffusionSampler
    >>> from skaugment.plotting import plot_metric_control
    >>> rng = np.random.default_rng(0)
    >>> S = rng.gamma(2.0, size=(8, 1, 9, 8)).astype("float32")
    >>> y = np.repeat(["walk", "run"], 4)
    >>> gen = ConditionalDiffusionSampler(base_channels=4, n_steps=1, train_steps=10,
    ...                                   sample_steps=2, device="cpu", random_state=0)
    >>> fig = plot_metric_control(gen.fit(S, y), S, y, factors=(-0.2, 0, 0.2), random_state=0)
    >>> len(fig.axes)
    9
    """
    plt = _pyplot()
    check_is_fitted(generator, "condition_names_")
    if generator.get_params().get("condition", "metrics") == "label":
        raise ValueError(
            "the generator was fitted with condition='label' and ignores metric conditions; "
            "there is no metric control to plot."
        )
    S = check_spectrogram(S, shape=tuple(generator.input_shape_))
    y = check_labels(y, n_samples=S.shape[0])
    n = S.shape[0]
    if not -n <= int(index) < n:
        raise ValueError(f"index={index} is out of range for {n} samples.")
    metrics = [str(m) for m in metrics]
    factors = [float(f) for f in factors]
    if not metrics or not factors:
        raise ValueError("metrics and factors must each name at least one value.")
    if min(factors) < -1:
        raise ValueError(f"factors are relative changes and must be >= -1; got {factors}.")
    names = list(generator.condition_names_)
    channels = list(dict.fromkeys(name.rpartition("__")[0] for name in names))
    if not -len(channels) <= int(channel) < len(channels):
        raise ValueError(f"channel={channel} is out of range for {len(channels)} channels.")
    channel_name = channels[int(channel)]
    known = sorted({name.rpartition("__")[2] for name in names})
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise ValueError(f"metrics names unknown metric(s) {unknown}; known: {known}.")
    columns = [names.index(f"{channel_name}__{m}") for m in metrics]

    source = S[int(index)][None]
    base = np.asarray(generator.conditions_from(source), dtype=np.float64)[0]
    requested = np.repeat(base[None], len(metrics) * len(factors), axis=0)
    for r, col in enumerate(columns):
        requested[r * len(factors):(r + 1) * len(factors), col] *= 1.0 + np.asarray(factors)
    flat = [i for i, name in enumerate(names) if name.endswith("__flatness")]
    requested = np.maximum(requested, 0.0)
    requested[:, flat] = np.minimum(requested[:, flat], 1.0)

    labels = np.repeat(y[int(index)], len(requested))
    init = (np.repeat(source, len(requested), axis=0)
            if getattr(generator, "uses_init", False) else None)
    seed = draw_seed(random_state)
    generated = np.asarray(generator.sample(labels, requested, init=init, random_state=seed))
    measured = np.asarray(generator.conditions_from(generated), dtype=np.float64)

    shape = (len(metrics), len(factors))
    if ax is None:
        fig, axes = plt.subplots(*shape, figsize=(2.2 * shape[1], 2.2 * shape[0]),
                                 squeeze=False, constrained_layout=True)
    else:
        axes = np.asarray(ax, dtype=object).reshape(-1)
        if axes.size != shape[0] * shape[1]:
            raise ValueError(
                f"ax must hold {shape[0]} x {shape[1]} Axes (metrics x factors); got {axes.size}."
            )
        axes = axes.reshape(shape)
        fig = axes[0, 0].figure
    images = np.log(generated[:, int(channel)] + _LOG_EPS)
    vmin, vmax = float(images.min()), float(images.max())
    for r, (metric, col) in enumerate(zip(metrics, columns)):
        for c, factor in enumerate(factors):
            k = r * len(factors) + c
            panel = axes[r, c]
            panel.imshow(images[k], origin="lower", aspect="auto", vmin=vmin, vmax=vmax)
            panel.set_title(
                f"{metric} {factor:+.0%}\nreq {requested[k, col]:.3g} / meas {measured[k, col]:.3g}",
                fontsize=8,
            )
            panel.set_xticks([])
            panel.set_yticks([])
        axes[r, 0].set_ylabel(metric, fontsize=8)
    fig.suptitle(f"{channel_name}, sample {int(index)} ({y[int(index)]})", fontsize=9)
    return fig


def plot_paired_differences(
    result: AugmentationComparison,
    metric: Literal["accuracy", "macro_f1"] = "accuracy",
    ax: Axes | None = None,
) -> Figure:
    """Paired differences of every method to the best baseline, one dot per run.

    Parameters
    ----------
    result : AugmentationComparison
        What :func:`skaugment.evaluation.compare_augmenters` returns.
    metric : {"accuracy", "macro_f1"}, default="accuracy"
    ax : matplotlib Axes, default=None

    Returns
    -------
    fig : matplotlib.figure.Figure
        Per method (rows), the difference in points of every run (dots), their mean
        (bar) and its 95% confidence interval (whisker); 0 is the reference.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skaugment.evaluation import AugmentationComparison
    >>> recs = [{"method": m, "base_method": m, "split": k, "seed": k, "accuracy": a,
    ...          "macro_f1": a, "seconds": {}}
    ...         for m, accs in {"none": [0.8, 0.7, 0.75], "x": [0.82, 0.74, 0.76]}.items()
    ...         for k, a in enumerate(accs)]
    >>> fig = plot_paired_differences(AugmentationComparison(recs, {}))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['x']
    """
    plt = _pyplot()
    summary = result.summary(metric)
    ref = result.reference(metric)
    methods = [m for m in summary if m != ref]
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 0.55 * max(len(methods), 1) + 1.4),
                               constrained_layout=True)
    else:
        fig = ax.figure
    ref_scores = result.scores(ref, metric)
    for row, method in enumerate(methods):
        d = summary[method]["diff"]
        diffs = 100 * (result.scores(method, metric) - ref_scores)
        color = "tab:green" if d["ci_low"] > 0 else "tab:red" if d["ci_high"] < 0 else "tab:gray"
        ax.barh(row, 100 * d["mean"], color=color, alpha=0.35, height=0.6)
        if np.isfinite(d["ci_low"]):
            ax.errorbar(100 * d["mean"], row, xerr=[[100 * (d["mean"] - d["ci_low"])],
                                                     [100 * (d["ci_high"] - d["mean"])]],
                        color=color, capsize=4, lw=1.5)
        ax.plot(diffs, np.full(diffs.shape, row), "o", color="black", ms=3.5)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(range(len(methods)), methods)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric} difference to {ref!r} (points; dots: runs, bar: mean, whisker: 95% CI)")
    ax.set_title(f"paired differences over {len(ref_scores)} splits", fontsize=10)
    return fig


def plot_confusion_matrices(
    matrices: Sequence[ArrayLike], labels: Sequence[str], titles: Sequence[str] | None = None
) -> Figure:
    """Row-normalised confusion matrices side by side.

    Parameters
    ----------
    matrices : sequence of array-like of shape (n_classes, n_classes)
        Counts, true labels in rows.
    labels : sequence of str
        Class names in row order.
    titles : sequence of str, default=None

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = plot_confusion_matrices([[[3, 1], [0, 4]]], ["sit", "walk"], ["none"])
    >>> fig.axes[0].get_title()
    'none'
    """
    plt = _pyplot()
    matrices = [np.asarray(m, dtype=float) for m in matrices]
    titles = [""] * len(matrices) if titles is None else list(titles)
    if len(titles) != len(matrices):
        raise ValueError(f"got {len(matrices)} matrices but {len(titles)} titles.")
    fig, axes = plt.subplots(1, len(matrices), figsize=(4.6 * len(matrices), 4.4), squeeze=False)
    short = [str(lab)[:10] for lab in labels]
    for ax, cm, title in zip(axes[0], matrices, titles):
        if cm.shape != (len(labels), len(labels)):
            raise ValueError(f"a confusion matrix has shape {cm.shape}; expected "
                             f"{(len(labels), len(labels))} for {len(labels)} labels.")
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        ax.imshow(cm, vmin=0, vmax=1, cmap="Blues")
        ax.set_xticks(range(len(labels)), short, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(labels)), short, fontsize=7)
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(j, i, f"{cm[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if cm[i, j] > 0.5 else "black")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    fig.tight_layout()
    return fig
