"""The main job on HAPT: ``skaugment demo`` and ``skaugment compare``.

Both are presets of :func:`skaugment.evaluation.compare_augmenters`: cross-subject
activity recognition, a classifier trained with and without each augmentation on
the same subjects, seeds and gradient-step budget, scored on held-out subjects.
"""

import json
import os
import time

import numpy as np

__all__ = ["PRESETS", "METHODS", "make_methods", "make_classifier", "run_compare", "run_demo"]

STFT_PARAMS = {"n_fft": 32, "hop_length": 8}

# Case study 1 of Wang et al. (2024): more contrast and F0 amplitude, less flatness.
KNOWLEDGE_RANGES = {"contrast": (0.1, 0.4), "flatness": (-0.4, -0.1), "f0_amplitude": (0.1, 0.4)}

METHODS = {
    "none": "no augmentation",
    "transforms": "classic time-domain transforms (SignalTransformAugmenter defaults)",
    "time-freq": "2 of 8 time-domain transforms + 1 frequency transform per sample "
                 "(the baseline of Wang et al. 2024)",
    "mixup": "mixup of spectrograms with soft labels (Zhang et al. 2018)",
    "metric-edit": "metric disturbance of real spectrograms by training-free editing "
                   "(MetricDisturbAugmenter + MetricEditSampler)",
    "hybrid": "classic transforms, then metric editing of each transformed window "
              "(MetricEditAugmenter)",
    "diff-disturb": "metric disturbance by the conditional diffusion model",
    "diff-interp": "metric interpolation by the conditional diffusion model",
    "diff-knowledge": "domain-knowledge ranges by the conditional diffusion model",
}

# Sizes measured to fit the time budgets on a 2-core CPU: "demo" within 30 minutes,
# "quick" within 3 minutes (README, "Two commands").
PRESETS = {
    "quick": {
        "n_train_subjects": 2, "n_test_subjects": 3, "n_splits": 1, "ratio": 2.0,
        "methods": ("none", "time-freq", "hybrid", "diff-disturb"),
        "generator": {"max_epochs": 3, "base_channels": 8},
        "classifier": {"n_steps": 60},
        "baseline_multipliers": (),
    },
    "demo": {
        "n_train_subjects": 5, "n_test_subjects": None, "n_splits": 1, "ratio": 5.0,
        "methods": ("none", "time-freq", "hybrid", "diff-disturb"),
        "generator": {}, "classifier": {}, "baseline_multipliers": (),
    },
    "benchmark": {
        "n_train_subjects": 5, "n_test_subjects": None, "n_splits": 5, "ratio": 5.0,
        "methods": ("none", "transforms", "time-freq", "mixup", "metric-edit", "hybrid",
                    "diff-interp", "diff-disturb"),
        "generator": {}, "classifier": {}, "baseline_multipliers": (2.0,),
    },
}


def make_classifier(name, modalities, **params):
    """A downstream classifier by its CLI name."""
    from skaugment import DeepSenseClassifier, SATSDUClassifier, TransformerClassifier

    if name == "deepsense":
        return DeepSenseClassifier(modalities=modalities, **params)
    if name == "transformer":
        return TransformerClassifier(modalities=modalities, **params)
    if name == "satsdu":
        return SATSDUClassifier(**params)
    raise ValueError(f"unknown classifier {name!r}; use deepsense, transformer or satsdu.")


def make_methods(names, data, *, ratio=5.0, generator_params=None, strength=None):
    """The augmentation steps of each named method (see :data:`METHODS`) for HAPT-like data.

    Returns ``(methods, preprocessing)`` for :func:`~skaugment.evaluation.compare_augmenters`.
    """
    from skaugment import (
        ConditionalDiffusionSampler,
        MetricDisturbAugmenter,
        MetricInterpolationAugmenter,
        MetricKnowledgeAugmenter,
        SpectrogramTransformer,
    )
    from skaugment.augmenters import (
        MetricEditAugmenter,
        MixupAugmenter,
        SignalTransformAugmenter,
    )
    from skaugment.generators import MetricEditSampler

    unknown = [n for n in names if n not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {list(METHODS)}.")
    mods = data.modalities
    stft = SpectrogramTransformer(fs=data.fs, modalities=mods, channel_names=data.channel_names,
                                  **STFT_PARAMS)
    generator_params = dict(generator_params or {})
    if strength is not None:
        generator_params["strength"] = strength

    def diffusion():
        return ConditionalDiffusionSampler(modalities=mods, channel_names=data.channel_names,
                                           **generator_params)

    builders = {
        "none": lambda: None,
        "transforms": lambda: [SignalTransformAugmenter(modalities=mods, ratio=ratio), stft],
        "time-freq": lambda: [SignalTransformAugmenter(
            transforms=("jitter", "scaling", "negation", "permutation", "time_warp",
                        "magnitude_warp", "rotation", "crop"),
            n_transforms=2, spectral_transforms=("frequency_mask", "frequency_perturb"),
            modalities=mods, ratio=ratio), stft],
        "mixup": lambda: [stft, MixupAugmenter(ratio=ratio)],
        "metric-edit": lambda: [stft, MetricDisturbAugmenter(
            generator=MetricEditSampler(modalities=mods, channel_names=data.channel_names),
            ratio=ratio)],
        "hybrid": lambda: [MetricEditAugmenter(
            transforms=SignalTransformAugmenter(modalities=mods), modalities=mods,
            ratio=ratio, **STFT_PARAMS), stft],
        "diff-disturb": lambda: [stft, MetricDisturbAugmenter(generator=diffusion(), ratio=ratio)],
        "diff-interp": lambda: [stft, MetricInterpolationAugmenter(generator=diffusion(),
                                                                   ratio=ratio)],
        "diff-knowledge": lambda: [stft, MetricKnowledgeAugmenter(
            generator=diffusion(), ranges=KNOWLEDGE_RANGES, ratio=ratio)],
    }
    return {name: builders[name]() for name in names}, stft


def run_compare(*, preset="demo", methods=None, classifier="deepsense", ratio=None,
                n_train_subjects=None, n_test_subjects=None, n_splits=None, n_steps=None,
                strength=None, diagnostics=True, n_jobs=None, output="skaugment_output",
                data_path=None, figure=True, verbose=1):
    """Run a preset of :func:`~skaugment.evaluation.compare_augmenters` on HAPT.

    Parameters mirror ``skaugment compare --help``; ``None`` takes the preset's value.
    Writes ``results.json``, ``comparison.md`` and, with matplotlib, the figures to
    ``output``; returns the :class:`~skaugment.evaluation.AugmentationComparison`.
    """
    from skaugment.datasets import load_hapt
    from skaugment.evaluation import GroupHoldoutSplit, compare_augmenters

    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; use one of {list(PRESETS)}.")
    cfg = PRESETS[preset]
    methods = tuple(cfg["methods"] if methods is None else methods)
    if "none" not in methods:
        methods = ("none",) + methods
    ratio = cfg["ratio"] if ratio is None else ratio
    classifier_params = dict(cfg["classifier"])
    if n_steps is not None:
        classifier_params["n_steps"] = n_steps

    start = time.perf_counter()
    hapt = load_hapt(path=data_path)
    cv = GroupHoldoutSplit(
        n_train_groups=cfg["n_train_subjects"] if n_train_subjects is None else n_train_subjects,
        n_test_groups=cfg["n_test_subjects"] if n_test_subjects is None else n_test_subjects,
        n_repeats=cfg["n_splits"] if n_splits is None else n_splits)
    steps, stft = make_methods(methods, hapt, ratio=ratio, generator_params=cfg["generator"],
                               strength=strength)
    clf = make_classifier(classifier, hapt.modalities, **classifier_params)
    if verbose:
        print(f"{preset}: {', '.join(methods)}; {cv!r}; ratio {ratio:g}; {classifier}", flush=True)
    result = compare_augmenters(
        hapt.data, hapt.target, hapt.groups, steps, clf, preprocessing=stft, cv=cv,
        budget="equal-steps", baseline_multipliers=cfg["baseline_multipliers"],
        diagnostics=diagnostics, n_jobs=n_jobs, verbose=verbose)
    result.config.update({"preset": preset, "ratio": ratio, "classifier_name": classifier,
                          "classifier_params": classifier_params, "stft": STFT_PARAMS,
                          "generator_params": dict(cfg["generator"], **(
                              {} if strength is None else {"strength": strength})),
                          "labels": np.unique(hapt.target).tolist(),
                          "total_seconds": round(time.perf_counter() - start, 1)})

    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "results.json"), "w") as fh:
        json.dump(result.to_dict(), fh, indent=2)
    table = result.to_markdown()
    with open(os.path.join(output, "comparison.md"), "w") as fh:
        fh.write(table)
    print(table)
    print(f"total: {result.config['total_seconds']:.0f} s")
    if figure:
        paths = _save_figures(result, hapt, stft, cv, output)
        if paths:
            print("figures: " + ", ".join(paths))
    print(f"results: {os.path.join(output, 'results.json')}")
    return result


def run_demo(*, quick=False, **kwargs):
    """``skaugment demo``: the ``"demo"`` preset (``"quick"`` with ``quick=True``)."""
    return run_compare(preset="quick" if quick else "demo", **kwargs)


def _save_figures(result, data, stft, cv, output):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install skaugment[plot]); no figure written.")
        return []
    from skaugment.generators import MetricEditSampler
    from skaugment.plotting import (
        plot_confusion_matrices,
        plot_metric_control,
        plot_paired_differences,
    )

    paths = []
    fig = plot_paired_differences(result)
    paths.append(os.path.join(output, "paired_differences.png"))
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)

    last = [r for r in result.records if r["split"] == 0 and r["budget_multiplier"] == 1.0]
    fig = plot_confusion_matrices([r["confusion_matrix"] for r in last], result.config["labels"],
                                  [f"{r['method']}: acc {r['accuracy']:.3f}" for r in last])
    paths.append(os.path.join(output, "confusion_matrices.png"))
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    # what moving a real window in metric space looks like, with the training-free editor
    train, _ = cv.split_groups(data.groups, 0)
    rows = np.flatnonzero(np.isin(data.groups, train))[:200]
    S = stft.fit_transform(data.data[rows])
    editor = MetricEditSampler(modalities=data.modalities, channel_names=data.channel_names)
    fig = plot_metric_control(editor.fit(S, data.target[rows]), S, data.target[rows],
                              random_state=0)
    paths.append(os.path.join(output, "metric_control.png"))
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)
    return paths
