"""Staff pages: the list, the add form and one member's page."""

# Imported in the order the pages were registered before the split: list, add, edit.
from practicerunner.practice.pages.staff.listing import staff_list  # noqa: I001
from practicerunner.practice.pages.staff.add import staff_new
from practicerunner.practice.pages.staff.edit import STAFF_EDIT, staff_edit

__all__ = ["STAFF_EDIT", "staff_edit", "staff_list", "staff_new"]
