"""opsbot's custom actions, run by the rasa_sdk action server (`rasa run actions`).

Layout: one module per domain of questions (`core`, `jenkins`, `github`, `grafana`) holding thin Action
classes; `services/` holds one facade per backend (no Rasa in there); `resolve` turns everyday names into
live objects; `render` turns typed results into text and Adaptive Cards.
"""

from actions import logsafe as _logsafe

_logsafe.install()  # before any action logs: secrets never reach a log line
