"""`make bench` and its parts (`python -m bench.run`): speed and cost figures, never asserted by tests."""
