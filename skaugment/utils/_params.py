"""Parameters of an estimator and of the estimators nested in it, found by name."""

__all__ = ["nested_params", "set_nested_params"]


def nested_params(estimator, name):
    """``{key: value}`` of every parameter named ``name`` of ``estimator`` or of an
    estimator nested in it (``"a__b__name"``), shallow first.

    ``get_params(deep=True)`` lists them; a ``FrozenEstimator`` lists none of its
    inner ones, so a frozen estimator is left alone.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> nested_params(make_pipeline(StandardScaler(), LogisticRegression()), "random_state")
    {'logisticregression__random_state': None}
    """
    params = estimator.get_params(deep=True)
    keys = sorted((k for k in params if k.rpartition("__")[2] == name),
                  key=lambda k: k.count("__"))
    return {k: params[k] for k in keys}


def set_nested_params(estimator, name, value, only_if_none=False):
    """Set every parameter named ``name`` of ``estimator`` and of the estimators nested in it.

    Shallower parameters first, so that a nested estimator set afterwards is not
    replaced; ``only_if_none`` leaves those already set. Returns ``estimator``.
    """
    for key, current in nested_params(estimator, name).items():
        if not (only_if_none and current is not None):
            estimator.set_params(**{key: value})
    return estimator
