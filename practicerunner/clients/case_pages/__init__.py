"""The case pages: open a case, see it at a glance, change it.

Importing this package registers every page (ui/pages_index.py does so).
"""

from practicerunner.clients.case_pages import form, view

__all__ = ["form", "view"]
