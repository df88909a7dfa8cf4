"""Imports every page module so their @app_page registrations run (one line per capability)."""

from practicerunner.audit import pages as _audit_pages  # noqa: F401
from practicerunner.auth import pages as _auth_pages  # noqa: F401
from practicerunner.billing import pages as _billing_pages  # noqa: F401
from practicerunner.billing import pay_pages as _pay_pages  # noqa: F401
from practicerunner.billing import policy_pages as _billing_policy_pages  # noqa: F401
from practicerunner.calendars import pages as _calendar_feed_pages  # noqa: F401
from practicerunner.clients import case_pages as _case_pages  # noqa: F401
from practicerunner.clients import pages as _client_pages  # noqa: F401
from practicerunner.documentation import diagnosis_pages as _diagnosis_pages  # noqa: F401
from practicerunner.documentation import measure_pages as _measure_pages  # noqa: F401
from practicerunner.documentation import note_pages as _note_pages  # noqa: F401
from practicerunner.documentation import plan_pages as _plan_pages  # noqa: F401
from practicerunner.documentation import review_pages as _review_pages  # noqa: F401
from practicerunner.documentation import template_pages as _template_pages  # noqa: F401
from practicerunner.messaging import pages as _messaging_pages  # noqa: F401
from practicerunner.practice import pages as _practice_pages  # noqa: F401
from practicerunner.scheduling import availability_pages as _availability_pages  # noqa: F401
from practicerunner.scheduling.calendar_ui import pages as _calendar_pages  # noqa: F401
from practicerunner.supervision import report_pages as _supervision_report_pages  # noqa: F401
from practicerunner.ui import home as _home  # noqa: F401
