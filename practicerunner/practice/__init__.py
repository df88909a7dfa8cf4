"""The practice: profile, locations, staff and their roles, services and fees."""
