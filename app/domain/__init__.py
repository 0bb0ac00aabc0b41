"""Pure rules of the social-assistance domain: no Flask, no database, no engine."""
