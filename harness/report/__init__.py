"""Stage: reports. scorecard.json (schema-validated), Markdown, terminal table."""
