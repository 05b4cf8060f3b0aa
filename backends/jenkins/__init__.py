"""jenkins."""
