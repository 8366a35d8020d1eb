"""The data the stages hand each other: scorecards, check results, flags, command results, limits.

A leaf: it imports nothing else of the harness (an import-linter contract holds it to that), so
scoring, reports and the public grading API can use it without loading a backend.
"""
