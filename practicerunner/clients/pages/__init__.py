"""Client pages: the list, the profile, the new and edit forms, and a contact's form.

Importing this package registers every page (ui/pages_index.py does so).
"""

# Registration order as the pages read: list, forms, profile, contacts.
# isort: off
from practicerunner.clients.pages import client_list
from practicerunner.clients.pages import client_form
from practicerunner.clients.pages import profile
from practicerunner.clients.pages import contact_form
# isort: on

__all__ = ["client_form", "client_list", "contact_form", "profile"]
