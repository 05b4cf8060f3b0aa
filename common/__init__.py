"""The bottom floor: what every opsbot process shares (the clock and time zone, ...). Imports nothing of ours."""
