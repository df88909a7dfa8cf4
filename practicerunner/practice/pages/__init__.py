"""Practice set-up pages: profile, locations, services and fees, staff."""

from practicerunner.practice.pages import locations, profile, services, staff

__all__ = ["locations", "profile", "services", "staff"]
