"""Stage: hidden checks, run by pytest in a separate trusted process."""
