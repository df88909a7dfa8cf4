"""Messages out: the outbox, its templates and the email/SMS transports."""
