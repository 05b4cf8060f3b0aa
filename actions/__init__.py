"""opsbot's custom actions, run by the action server (`python -m actions`, actions/__main__.py).

Layout: one module per domain of questions (`core`, `jenkins`, `github`, `grafana`) holding thin Action
classes; `services/` holds one facade per backend (no Rasa in there); `resolve` turns everyday names into
live objects; `render` turns typed results into text and Adaptive Cards. Importing it has no side effects:
log redaction is installed by the entry point.
"""
