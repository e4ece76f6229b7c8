"""Sphinx configuration: the API reference, built offline (``make docs``)."""

import skaugment

project = "skaugment"
author = "the skaugment developers"
copyright = "2026, the skaugment developers"
version = release = skaugment.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]
autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# the Markdown pages (architecture, metrics, results, ...) are read on GitHub as they are
exclude_patterns = ["_build", "*.md"]
source_suffix = {".rst": "restructuredtext"}
html_theme = "alabaster"
# no intersphinx: the build must work offline
nitpicky = False
suppress_warnings = ["autosummary.import_cycle"]
numpydoc_show_inherited_class_members = False
templates_path = ["_templates"]
