"""Project-owned fakes of outside services, real enough to talk to over loopback."""
