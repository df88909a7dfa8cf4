"""Calendar feeds (ICS) for clinicians' own calendar apps."""
