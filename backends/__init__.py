"""The backends opsbot talks to, one wing each (backends/<name>/), and what they share: the wing contract
(wing.py), the facade lifecycle (facade.py), the faults every facade raises (faults.py), events from webhooks
(events.py), webhook checks (webhook_auth.py), caches (cache.py). The registered wings: registry.py.
Importing this package imports no wing."""
