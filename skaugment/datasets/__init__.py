"""Datasets: the HAPT smartphone IMU recordings and a synthetic IMU generator."""

from ._hapt import load_hapt
from ._synthetic import make_synthetic_imu
from ._uea import load_uea_eeg

__all__ = ["load_hapt", "make_synthetic_imu", "load_uea_eeg"]
