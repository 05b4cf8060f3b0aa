"""The project's commands, run as modules (`python -m scripts.teach`): see the Makefile."""
