"""Real-time notifications into Teams conversations: Jenkins, Grafana and GitHub events, subscribed to in chat.

An event's way through (each module one job, none of them knows Rasa):
  receiver.py  a webhook request → authenticated (verify.py) → parsed (events.py) → stored with its outbox
               rows (store.py, matching subscriptions with match.py) → 202 at once
  deliver.py   the outbox loop: due rows → rendered (render.py) → posted to Teams (sinks.py) → sent, or
               retried with backoff, or held until the conversation is reachable; pending rows are
               delivered on start-up, so a restart between receipt and delivery loses nothing
  store.py     SQLite: subscriptions, delivery addresses, events, the outbox, seen delivery ids
  config.py    the settings (webhook secrets, database path), from the environment, read once
  __main__.py  the receivers and the delivery loop without Rasa (`python -m notifications`, for `make demo`)

The Rasa side: notifications/channel.py mounts the receivers as the Rasa channel `notify`
(/webhooks/notify/jenkins|grafana|github); actions/subscriptions.py subscribes, unsubscribes and lists.
"""
