"""Tasks: who does what by when — rules, views, service, buttons."""
