"""Route patterns of the client pages ([client_id] and [contact_id] are Reflex arguments)."""

from practicerunner.ui.routes import CLIENTS

CLIENT_PAGE = CLIENTS + "/[client_id]"
CLIENT_EDIT = CLIENT_PAGE + "/edit"
CONTACT_NEW = CLIENT_PAGE + "/contacts/new"
CONTACT_EDIT = CLIENT_PAGE + "/contacts/[contact_id]"
