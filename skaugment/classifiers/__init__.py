"""Downstream classifiers (skorch): DeepSense, an encoder-only Transformer, SATS-DU, and the DU loss."""

from ._deepsense import DeepSenseClassifier

__all__ = ["DeepSenseClassifier"]
