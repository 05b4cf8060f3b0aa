"""Every module of the `actions` package, imported, so that the action server registers every Action class.

The action server hands this module to rasa_sdk (`python -m actions`). rasa_sdk's own walk of a package
imports a subpackage by its bare name, so `actions/github/` would be read as PyGithub's `github` package;
this walk keeps the full names.
"""

from __future__ import annotations

import importlib
import pkgutil

import actions

MODULES = tuple(info.name for info in pkgutil.walk_packages(actions.__path__, prefix="actions.")
                if not info.name.endswith(("__main__", ".catalog")))

for _name in MODULES:
    importlib.import_module(_name)
