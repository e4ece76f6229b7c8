"""What a method of a comparison is: its steps, how the classifier trains on them, what it sees."""

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Literal

from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import StrOptions, validate_parameter_constraints

__all__ = ["TEST_WINDOWS", "Method"]

# The method without augmentation: the reference of the paired differences. The records
# name it (``base_method``), so it stays a name.
_REFERENCE = "none"


class _TestWindows:
    """The marker :data:`TEST_WINDOWS`: "the split's test rows, without their labels"."""

    _instance = None

    def __new__(cls):
        # one instance, so that it survives clone (deepcopy), pickling and joblib workers
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self

    def __reduce__(self):
        return (_TestWindows, ())

    def __repr__(self):
        return "TEST_WINDOWS"

    # an estimator used outside compare_augmenters reads the marker as data: say what it is
    def _misused(self, *args, **kwargs):
        raise ValueError("TEST_WINDOWS is a marker that compare_augmenters replaces with each "
                         "run's test windows; outside it, pass the target windows themselves.")

    __array__ = __len__ = _misused


#: Give it as a step's parameter (e.g. ``WindowMetricEditAugmenter(target=TEST_WINDOWS)``) and
#: :func:`compare_augmenters` replaces it, in each run, with that run's test rows (their
#: input only, never their labels), passed through the method's earlier transform steps.
#: That makes a method transductive: it sees the unlabelled data it is scored on, as a
#: user with unlabelled windows of the people, places or devices to deploy on would.
TEST_WINDOWS = _TestWindows()


def _test_window_params(step):
    """Names of the (nested) parameters of ``step`` that are :data:`TEST_WINDOWS`, shallow first."""
    params = step.get_params(deep=True)
    return sorted((k for k, v in params.items() if isinstance(v, _TestWindows)),
                  key=lambda k: k.count("__"))


@dataclass(frozen=True)
class Method:
    """One method of :func:`compare_augmenters`: its steps and how the classifier trains on them.

    A plain value of ``methods`` (None, an estimator or a list of steps) is a
    ``Method`` of those steps with the default schedule; a ``Method`` states the
    rest itself, instead of through a list of names.

    Parameters
    ----------
    steps : estimator, list of estimators or None, default=None
        The steps that come before the classifier, in pipeline order, as a plain
        value of ``methods``; None is the comparison's ``preprocessing`` alone.
        Cloned for every run: the objects given are never fitted.
    schedule : {"mixed", "pretrain"}, default="mixed"
        How the classifier trains on the augmented rows. ``"mixed"``: on the real
        and synthetic rows together. ``"pretrain"``: first on the synthetic rows
        alone, then, going on with the same network (``partial_fit``), on the real
        rows, with ``pretrain_fraction`` of its budget spent on the first stage
        (the schedule of SF-DM, Zuo et al., 2023); it needs a classifier that can
        go on training, as skaugment's are.
    transductive : bool or None, default=None
        Whether a step sees each run's test input (never its labels) through a
        :data:`TEST_WINDOWS` parameter. None: as the steps say. True or False:
        what the steps must say, or the comparison refuses the method.

    See Also
    --------
    compare_augmenters : takes a ``Method`` as a value of ``methods``.
    PRETRAIN_METHODS : the registry's names that get ``schedule="pretrain"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from skaugment.augmenters import SignalTransformAugmenter
    >>> from skaugment.evaluation import Method, compare_augmenters
    >>> flat = FunctionTransformer(lambda a: a.reshape(len(a), -1))
    >>> jitter = SignalTransformAugmenter(transforms=["jitter"], ratio=1.0)
    >>> method = Method([jitter, flat], schedule="pretrain")
    >>> method.schedule, len(method.steps), method.transductive
    ('pretrain', 2, None)

    Pre-training needs a classifier that goes on training; the comparison checks it
    before it trains anything:

    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(60, 1, 16); y = np.tile([0, 1], 30); groups = np.repeat(np.arange(6), 10)
    >>> compare_augmenters(X, y, groups, {"none": None, "jitter-pretrain": method},
    ...                    KNeighborsClassifier(3), preprocessing=flat)
    Traceback (most recent call last):
    ...
    ValueError: ['jitter-pretrain'] pre-train the classifier on synthetic rows ... KNeighborsClassifier cannot. ...
    """

    steps: BaseEstimator | Sequence[BaseEstimator] | None = None
    _: KW_ONLY
    schedule: Literal["mixed", "pretrain"] = "mixed"
    transductive: bool | None = None

    _parameter_constraints = {
        "steps": "no_validation",  # checked where a comparison takes the method
        "schedule": [StrOptions({"mixed", "pretrain"})],
        "transductive": ["boolean", None],
    }

    def __post_init__(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {"steps": self.steps, "schedule": self.schedule, "transductive": self.transductive},
            caller_name=type(self).__name__,
        )
        if isinstance(self.steps, list):  # frozen: a list would still change under it
            object.__setattr__(self, "steps", tuple(self.steps))


def _resolve_methods(methods, preprocessing, pretrain_on_synthetic):
    """``methods`` as ``{name: Method}``, every method in the terms a run reads.

    Each method's steps are listed in pipeline order (``preprocessing`` for None),
    cloned once here so that bad steps fail before any training; its schedule
    takes ``pretrain_on_synthetic`` (names) into account; ``transductive`` is
    stated. The runs clone the steps again.
    """
    if not methods:
        raise TypeError("methods must be a non-empty dict: name -> None, estimator, list of "
                        "steps or Method.")
    if _REFERENCE not in methods:
        raise ValueError(f"methods needs a {_REFERENCE!r} entry (no augmentation), the reference "
                         "of the paired differences.")
    resolved = {name: _resolve(name, value, preprocessing, name in pretrain_on_synthetic)
                for name, value in methods.items()}
    resamplers = [type(s).__name__ for s in resolved[_REFERENCE].steps
                  if hasattr(s, "fit_resample")]
    if resamplers:
        raise ValueError(f"methods[{_REFERENCE!r}] has a resampling step ({resamplers[0]}): the "
                         "reference of the paired differences is the data without augmentation; "
                         f"give {_REFERENCE!r} None (or the preprocessing alone) and the "
                         "augmenter a name of its own.")
    return resolved


def _resolve(name, value, preprocessing, named_for_pretraining):
    if not isinstance(value, Method):
        value = Method(value, schedule="pretrain" if named_for_pretraining else "mixed")
    elif named_for_pretraining and value.schedule != "pretrain":
        raise ValueError(
            f"pretrain_on_synthetic names {name!r}, but its Method has schedule="
            f"{value.schedule!r}; state the schedule once: in the Method, or leave {name!r} out "
            "of pretrain_on_synthetic (its default names the registry's PRETRAIN_METHODS).")
    steps = _as_steps(name, value.steps, preprocessing)
    marked = [(type(s).__name__, k) for s in steps for k in _test_window_params(s)[:1]]
    if value.transductive is not None and value.transductive != bool(marked):
        said = (f"{marked[0][0]} has a TEST_WINDOWS parameter ({marked[0][1]})" if marked
                else "none of its steps has a TEST_WINDOWS parameter")
        raise ValueError(f"method {name!r} is declared transductive={value.transductive}, but "
                         f"{said}.")
    return Method(tuple(steps), schedule=value.schedule, transductive=bool(marked))


def _as_steps(name, method, preprocessing):
    if method is None:
        return [] if preprocessing is None else [clone(preprocessing)]
    steps = list(method) if isinstance(method, (list, tuple)) else [method]
    if preprocessing is not None and not any(type(s) is type(preprocessing) for s in steps):
        raise ValueError(
            f"method {name!r} has no {type(preprocessing).__name__} step, so its classifier "
            "would see other input than the baseline's; list the preprocessing step where it "
            "belongs (e.g. [SignalTransformAugmenter(), SpectrogramTransformer()])."
        )
    return [clone(s) for s in steps]


def _pretrained(methods, pretrain_on_synthetic):
    """Names of the methods with ``schedule="pretrain"``: those named, then the others."""
    named = [m for m in pretrain_on_synthetic if m in methods]
    return named + [n for n, m in methods.items()
                    if m.schedule == "pretrain" and n not in named]
