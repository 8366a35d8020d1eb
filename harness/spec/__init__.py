"""Schemas of the kit's YAML content: exercises, rubrics, variants."""
