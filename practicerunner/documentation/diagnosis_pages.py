"""Placeholder: this page module is being written (see the open documentation issue)."""
