"""Cross-cutting pieces every capability uses: settings, database, clock, errors, audit."""
