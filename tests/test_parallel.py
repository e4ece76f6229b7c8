"""A grid search fans out over processes (joblib/loky) and over a Dask cluster, and
its workers share the metric augmenters' generator fits through ``memory=``.

What must hold, whatever the backend: the generator is fitted inside the workers;
the cache folder ends up with exactly one fit per distinct training set (the
folds, plus the refit on all rows), however many candidates share a fold; workers
reuse each other's fits (joblib.Memory has no cross-process lock, so two workers
that start the same fold at the same moment may both fit it: at most one fit per
worker and training set); and the scores are those of a serial run.
"""

import collections
import os
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skaugment import (MetricDisturbAugmenter, SpectrogramMetricEditSampler, MetricExtractor,
                       SpectrogramTransformer, make_pipeline)
from skaugment.datasets import make_synthetic_imu

MODALITIES = {"acc": [0, 1, 2], "gyro": [3, 4, 5]}
RATIOS = [0.5, 1.0, 2.0]
N_FOLDS = 3
N_WORKERS = 2


class LoggedEditSampler(SpectrogramMetricEditSampler):
    """SpectrogramMetricEditSampler that appends ``"<pid> <hash of (S, y)>"`` to ``fit_log``
    per fit.

    A class counter would stay in the worker that incremented it; a file that every
    process appends to (one short ``O_APPEND`` write per fit) counts across them.
    """

    def __init__(self, fit_log=None, **params):
        super().__init__(**params)
        self.fit_log = fit_log

    @classmethod
    def _get_param_names(cls):
        # the parent's parameters plus fit_log, without copying its signature here
        return sorted({*SpectrogramMetricEditSampler._get_param_names(), "fit_log"})

    def fit(self, S, y, *args, **kwargs):
        with open(self.fit_log, "a") as fh:
            fh.write(f"{os.getpid()} {joblib.hash((np.asarray(S), np.asarray(y)))}\n")
        return super().fit(S, y, *args, **kwargs)


@pytest.fixture(scope="module")
def data():
    X, y = make_synthetic_imu(n_samples=60, n_channels=6, n_timesteps=64, n_classes=3,
                              random_state=0)
    return X.astype(np.float32), np.asarray(y)


def _search(tmp_path, n_jobs):
    pipe = make_pipeline(
        SpectrogramTransformer(n_fft=16, hop_length=8),
        MetricDisturbAugmenter(generator=LoggedEditSampler(fit_log=str(tmp_path / "fits.log"),
                                                           device="cpu"),
                               memory=str(tmp_path / "cache"), random_state=0),
        MetricExtractor(),
        LogisticRegression(max_iter=2000),
        modalities=MODALITIES,
    )
    cv = StratifiedKFold(N_FOLDS, shuffle=True, random_state=0)
    return GridSearchCV(pipe, {"metricdisturbaugmenter__ratio": RATIOS}, cv=cv, n_jobs=n_jobs)


def _fits(tmp_path):
    """``[(pid, training-set hash)]``, one per generator fit, in any process."""
    path = tmp_path / "fits.log"
    lines = path.read_text().split("\n") if path.exists() else []
    return [(int(pid), key) for pid, key in (line.split() for line in lines if line)]


def _cached_fits(tmp_path):
    """Generator fits stored by the augmenters' joblib.Memory (one folder per call)."""
    return sorted(p.parent.name for p in Path(tmp_path / "cache").rglob("_fit_generator/*/output.pkl"))


def _check_shared_cache(tmp_path, worker_pids=None):
    fits = _fits(tmp_path)
    n_tasks = len(RATIOS) * N_FOLDS + 1  # every (candidate, fold), and the refit
    cached = _cached_fits(tmp_path)
    assert len(cached) == N_FOLDS + 1, cached  # one per training set, whoever fitted it
    per_set = collections.Counter(key for _, key in fits)
    assert len(per_set) == N_FOLDS + 1
    # reused across workers: a fold is refitted only by a worker that started it
    # before another worker's fit of it was stored, so at most once per worker
    assert max(per_set.values()) <= N_WORKERS, per_set
    assert len(fits) < n_tasks, fits
    # the folds were fitted in the workers, the refit (all rows) in this process
    fold_pids = {pid for pid, _ in fits} - {os.getpid()}
    assert 1 <= len(fold_pids) <= N_WORKERS, fold_pids
    if worker_pids is not None:
        assert fold_pids <= set(worker_pids), (fold_pids, worker_pids)
    assert sum(pid == os.getpid() for pid, _ in fits) == 1


def _check_same_as_serial(search, X, y, tmp_path):
    """A serial run over the same cache: no new fit, the same scores."""
    n_fits = len(_fits(tmp_path))
    serial = _search(tmp_path, n_jobs=None).fit(X, y)
    assert len(_fits(tmp_path)) == n_fits  # every training set was found in the cache
    np.testing.assert_allclose(serial.cv_results_["mean_test_score"],
                               search.cv_results_["mean_test_score"])
    assert serial.best_params_ == search.best_params_


def test_grid_search_over_processes_shares_generator_fits(data, tmp_path):
    X, y = data
    search = _search(tmp_path, n_jobs=N_WORKERS).fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    _check_shared_cache(tmp_path)
    _check_same_as_serial(search, X, y, tmp_path)


def test_grid_search_on_a_dask_cluster_shares_generator_fits(data, tmp_path):
    pytest.importorskip("dask.distributed", reason="needs dask[distributed] (the dev extra)")
    from dask.distributed import Client, LocalCluster

    X, y = data
    with LocalCluster(n_workers=N_WORKERS, processes=True, threads_per_worker=1,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        with joblib.parallel_backend("dask"):
            search = _search(tmp_path, n_jobs=N_WORKERS).fit(X, y)
        worker_pids = set(client.run(os.getpid).values())
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    _check_shared_cache(tmp_path, worker_pids)
    _check_same_as_serial(search, X, y, tmp_path)
