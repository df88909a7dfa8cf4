"""Practice set-up: the profile, locations, services and fees, staff and their roles.

Every write checks the permission, validates every field (all messages at once), writes,
appends the audit event and commits: one transaction per operation, so a rejected save
writes nothing. Reads return frozen view models, never ORM rows (never a password hash).

One module per use case; this package re-exports what the rest of the app calls, so
`from practicerunner.practice import service as ps; ps.create_service(...)` works.
"""

from practicerunner.practice.service.first_owner import OwnerExists, create_first_owner
from practicerunner.practice.service.locations import (
    LOCATION_KINDS,
    PLACES_OF_SERVICE,
    TELEHEALTH_POS,
    LocationInput,
    LocationView,
    create_location,
    list_locations,
    set_location_active,
    update_location,
)
from practicerunner.practice.service.profile import (
    US_TIMEZONES,
    PracticeInput,
    PracticeView,
    get_practice,
    update_practice,
)
from practicerunner.practice.service.services import (
    SERVICE_KINDS,
    ServiceInput,
    ServiceView,
    create_service,
    list_services,
    set_service_active,
    update_service,
)
from practicerunner.practice.service.staff import (
    StaffInput,
    StaffView,
    create_staff,
    get_staff,
    list_staff,
    supervisor_choices,
    update_staff,
)
from practicerunner.practice.service.staff_access import (
    deactivate_staff,
    reactivate_staff,
    reset_staff_password,
)

__all__ = [
    "LOCATION_KINDS",
    "PLACES_OF_SERVICE",
    "SERVICE_KINDS",
    "TELEHEALTH_POS",
    "US_TIMEZONES",
    "LocationInput",
    "LocationView",
    "OwnerExists",
    "PracticeInput",
    "PracticeView",
    "ServiceInput",
    "ServiceView",
    "StaffInput",
    "StaffView",
    "create_first_owner",
    "create_location",
    "create_service",
    "create_staff",
    "deactivate_staff",
    "get_practice",
    "get_staff",
    "list_locations",
    "list_services",
    "list_staff",
    "reactivate_staff",
    "reset_staff_password",
    "set_location_active",
    "set_service_active",
    "supervisor_choices",
    "update_location",
    "update_practice",
    "update_service",
    "update_staff",
]
