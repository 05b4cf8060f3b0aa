"""One facade per backend (Jenkins, GitHub, Grafana). No Rasa in here: typed results in, typed results out.

Every facade raises only `BackendError` (see `errors`) so that actions can answer faults in one way.
"""
