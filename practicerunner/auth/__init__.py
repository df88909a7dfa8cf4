"""Staff sign-in: passwords, server-side sessions, lockout."""
