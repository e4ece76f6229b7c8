"""The Python blocks of the README and docs/usage.md run, in order, as a reader would run them, CI-sized.

The blocks of ``README.md`` and then of ``docs/usage.md`` are executed as they are
written, one after the other in one namespace (the usage page goes on from the
README: its blocks use ``hapt``, ``pipe`` and ``train`` of the README's). Only the
cost is changed, by standing in for names the blocks import, so that the blocks
themselves show the real settings:

========================================  =============================================
name in the blocks                        CI-sized stand-in
========================================  =============================================
``skaugment.datasets.load_hapt()``        the real HAPT windows, 2 per subject and
                                          activity (all 30 subjects, 360 windows)
``DeepSenseClassifier(...)``              the same class, 5 gradient steps and a
                                          narrow network unless the block sets them
``ConditionalDiffusionSampler(...)``      the same class, one epoch of a tiny U-Net,
                                          one sampling step, no metric guidance
``GroupHoldoutSplit(n_repeats=r)``        ``n_repeats=min(r, 2)``
``MiniRocketClassifier(...)`` (aeon)      the same class, 84 kernels (aeon's least)
                                          unless the block sets ``n_kernels``
========================================  =============================================

The blocks that need an optional package (Dask, aeon) run in their own tests, which
skip without it, after all the others. The test checks that the blocks really got
the stand-ins (a block that imports them some other way fails here instead of
training at full size), then checks what each block promises, not only that it
ran. Tracebacks point at the lines of the file the block is in.
"""

import contextlib
import functools
import importlib
import io
import os
import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import Bunch

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
USAGE = ROOT / "docs" / "usage.md"
PAGES = (README, USAGE)  # run in this order, in one namespace
PER_SUBJECT_AND_ACTIVITY = 2
TINY_DEEPSENSE = dict(n_steps=5, n_filters=8, hidden_size=16)
TINY_DIFFUSION = dict(base_channels=4, n_steps=1, batch_size=32, train_steps=10, sample_steps=1,
                      metric_guidance=0.0, device="cpu")
TINY_MINIROCKET = dict(n_kernels=84)
# blocks that need an optional package: the marker in their code -> the module to import
OPTIONAL = {"dask": "dask.distributed", "aeon": "aeon"}


def python_blocks(pages=PAGES):
    """``[(page, first line number, code)]`` of the pages' fenced ``python`` blocks, in order."""
    blocks = []
    for page in pages:
        text = page.read_text()
        blocks += [(page, text.count("\n", 0, m.start(1)) + 1, m.group(1))
                   for m in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S)]
    return blocks


def _needs(code):
    """The optional package a block needs (a key of ``OPTIONAL``), or None."""
    return next((marker for marker in OPTIONAL if marker in code), None)


def run_block(page, line, code, namespace):
    # pad so that line numbers in a traceback are the page's
    exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)


def _small_hapt(full):
    rows = []
    for subject in np.unique(full.groups):
        for activity in np.unique(full.target):
            match = np.flatnonzero((full.groups == subject) & (full.target == activity))
            # evenly spaced in the recording, not its first seconds
            pick = np.linspace(0, len(match) - 1, PER_SUBJECT_AND_ACTIVITY).round().astype(int)
            rows.append(match[pick])
    rows = np.sort(np.concatenate(rows))
    return Bunch(**{k: (v[rows].copy() if isinstance(v, np.ndarray) and len(v) == len(full.target)
                        else v) for k, v in full.items()})


def _at_most_two_repeats(splitter):
    @functools.wraps(splitter)
    def make(*args, n_repeats=5, **kwargs):
        return splitter(*args, n_repeats=min(n_repeats, 2), **kwargs)
    return make


@pytest.fixture(scope="module")
def stand_ins(hapt):
    import skaugment.classifiers
    import skaugment.datasets
    import skaugment.evaluation
    import skaugment.generators

    small = _small_hapt(hapt)
    subs = {
        (skaugment.datasets, "load_hapt"): lambda *a, **k: small,
        (skaugment.classifiers, "DeepSenseClassifier"):
            functools.partial(skaugment.classifiers.DeepSenseClassifier, **TINY_DEEPSENSE),
        (skaugment.generators, "ConditionalDiffusionSampler"):
            functools.partial(skaugment.generators.ConditionalDiffusionSampler, **TINY_DIFFUSION),
        (skaugment.evaluation, "GroupHoldoutSplit"):
            _at_most_two_repeats(skaugment.evaluation.GroupHoldoutSplit),
    }
    try:  # the aeon extra: the block that needs it skips without it
        rockets = importlib.import_module("aeon.classification.convolution_based")
    except ImportError:
        pass
    else:
        subs[(rockets, "MiniRocketClassifier")] = functools.partial(
            rockets.MiniRocketClassifier, **TINY_MINIROCKET)
    with pytest.MonkeyPatch.context() as mp:
        for (module, name), value in subs.items():
            mp.setattr(module, name, value)
        yield {name: value for (_, name), value in subs.items()}


@contextlib.contextmanager
def _in_folder(folder):
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def readme(stand_ins, tmp_path_factory):
    """The namespace after every block that needs no optional package, and their output."""
    import joblib.memory
    from joblib.externals.loky import get_reusable_executor

    # Start as a reader's fresh session would: no loky workers and no joblib function
    # hashes left by earlier tests (with them, the grid search below cached 1 fit, not 4).
    get_reusable_executor().shutdown(wait=True)
    joblib.memory._FUNCTION_HASHES.clear()
    blocks = [block for block in python_blocks() if _needs(block[2]) is None]
    namespace, out = {"__name__": "readme"}, io.StringIO()
    workdir = tmp_path_factory.mktemp("readme")  # where the blocks' relative paths land
    with _in_folder(workdir), contextlib.redirect_stdout(out):
        for page, line, code in blocks:
            run_block(page, line, code, namespace)
    namespace["_cwd"] = workdir
    namespace["_stdout"] = out.getvalue()
    return namespace


def _run_optional(readme, marker):
    """Run the one block that needs ``OPTIONAL[marker]`` after all the others; skip without it."""
    pytest.importorskip(OPTIONAL[marker], reason=f"the {marker} block needs {OPTIONAL[marker]}")
    (page, line, code), = [block for block in python_blocks() if _needs(block[2]) == marker]
    namespace, out = dict(readme), io.StringIO()
    with _in_folder(readme["_cwd"]), contextlib.redirect_stdout(out):
        run_block(page, line, code, namespace)
    return namespace, out.getvalue()


def _generator_fits(folder):
    """``{cached generator fit: time it was written}`` of a ``memory=`` folder."""
    return {p.parent.name: p.stat().st_mtime_ns
            for p in Path(folder).rglob("_fit_generator/*/output.pkl")}


def test_pages_have_the_blocks_this_file_checks():
    # the README is a newcomer's page: one example; the rest is in docs/usage.md
    readme_codes = [code for _, _, code in python_blocks([README])]
    assert len(readme_codes) == 1, [c.splitlines()[0] for c in readme_codes]
    assert "make_pipeline(" in readme_codes[0]
    codes = [code for _, _, code in python_blocks([USAGE])]
    # comparison, recipe selection (aeon), grid search, Dask (a new block runs too, unchecked)
    assert len(codes) >= 4, [c.splitlines()[0] for c in codes]
    assert "compare_augmenters(" in codes[0]
    assert sum(_needs(c) == "aeon" for c in codes) == 1
    assert sum(_needs(c) == "dask" for c in codes) == 1


def test_blocks_got_the_ci_sized_stand_ins(readme, stand_ins):
    for name in ("load_hapt", "DeepSenseClassifier", "ConditionalDiffusionSampler",
                 "GroupHoldoutSplit"):
        assert readme[name] is stand_ins[name], name
    assert len(readme["hapt"].target) == 30 * 6 * PER_SUBJECT_AND_ACTIVITY


def test_pipeline_block_states_modalities_once_and_trains(readme):
    pipe, mods = readme["pipe"], readme["hapt"].modalities
    params = pipe.get_params()
    for key in ("windowmetriceditaugmenter__modalities",
                "windowmetriceditaugmenter__transforms__modalities",
                "deepsenseclassifier__modalities"):
        assert params[key] == mods, key
    assert pipe[-1].modalities_ == mods  # the classifier was fitted with one branch per sensor
    assert pipe[0].synthetic_mask_.sum() == 5 * (~pipe[0].synthetic_mask_).sum()  # ratio 5
    accuracy = float(re.search(r"accuracy on unseen subjects: ([\d.]+)", readme["_stdout"])[1])
    assert 0.0 <= accuracy <= 1.0


def test_compare_block_compares_every_method(readme):
    table = readme["result"].to_markdown()
    for method in ("none", "transforms", "mixup", "edit-disturb", "transforms-edit", "none x2 budget"):
        assert f"| {method} |" in table, method
    assert table in readme["_stdout"]


def test_grid_search_block_shares_one_generator_fit_per_fold(readme):
    search = readme["search"]
    assert search.n_splits_ == 3
    assert len(search.cv_results_["params"]) == 3
    assert search.best_params_["metricdisturbaugmenter__ratio"] in (1.0, 2.0, 5.0)
    # the layout reached the generator nested in the augmenter
    generator = search.best_estimator_[1].generator_
    assert generator.modalities_ == readme["hapt"].modalities
    assert generator.channel_names_ == list(readme["hapt"].channel_names)
    # 3 folds and the refit on all rows: 4 training sets, 4 generator fits in the cache
    assert len(_generator_fits(readme["_cwd"] / "skaugment_cache")) == 4


def test_selection_block_chooses_on_the_training_subjects(readme, stand_ins):
    namespace, out = _run_optional(readme, "aeon")
    assert namespace["MiniRocketClassifier"] is stand_ins["MiniRocketClassifier"]
    selector, recipes = namespace["selector"], namespace["recipes"]
    hapt, train = namespace["hapt"], namespace["train"]
    assert selector.classifier.n_kernels == TINY_MINIROCKET["n_kernels"]
    # raw-window recipes (no STFT) and mixup with hard labels, which MiniRocket can train on
    assert list(recipes) == ["transforms", "time-freq", "mixup"]
    labels = [v for step in recipes["mixup"] for k, v in step.get_params().items() if k == "labels"]
    assert labels == ["hard"]
    # no augmentation and every recipe at both ratios, on the same 3 folds of subjects
    assert selector.n_splits_ == 3
    expected = ["none"] + [f"{name}@ratio={r}" for name in recipes for r in (1, 2)]
    assert selector.cv_results_["candidate"].tolist() == expected
    assert selector.best_candidate_ == selector.selection_["chosen"]
    assert selector.best_candidate_ in expected
    # the choice was refitted on the training subjects' rows (and its synthetic ones) only
    ratio = selector.best_ratio_ or 0.0
    assert selector.best_estimator_[-1].n_cases_ == round(train.sum() * (1 + ratio))
    assert f"chosen: {selector.best_candidate_}\n" in out
    accuracy = float(re.search(r"accuracy on unseen subjects: ([\d.]+)", out)[1])
    assert accuracy == pytest.approx(selector.score(hapt.data[~train], hapt.target[~train]),
                                     abs=5e-4)


def test_dask_block_reuses_the_cache(readme):
    cache = readme["_cwd"] / "skaugment_cache"
    before = _generator_fits(cache)
    namespace, _ = _run_optional(readme, "dask")
    assert namespace["search"].best_params_  # refitted on the Dask workers' scores
    # every generator came from the cache: none was fitted (and written) again
    assert len(before) == 4 and _generator_fits(cache) == before
