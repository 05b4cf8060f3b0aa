"""opsbot's Rasa channels: Microsoft Teams (`connector.teams.TeamsInput`, named `teams`) and the hardened
REST channel (`connector.rest.GuardedRestInput`).

Modules, one job each:
  config.py   the settings from credentials (TEAMS_* variables), validated once
  auth.py     inbound JWT validation (botframework-connector's ChannelValidation + what it lacks) and keys
  inbound.py  an authenticated Activity → a Rasa message (mention stripping, card submits, sender, metadata)
  render.py   Rasa responses → Teams activities (markdown text, Adaptive Cards 1.5, images)
  outbound.py token client, posting with retries/backoff/pacing, typing indicator
  output.py   Rasa's OutputChannel for Teams: render, address, post; proactive messages (`Proactive`)
  members.py  the speaker's userPrincipalName, looked up and cached
  store.py    conversation references in SQLite, for proactive messages
  teams.py    the Rasa InputChannel: the webhook, fast acknowledgement, turns in order
  guard.py    incoming text made safe (every channel)
  rest.py     the REST channel, hardened
  notify.py   the `notify` channel: Jenkins/Grafana/GitHub webhooks → Teams cards (the notifications package)
"""
