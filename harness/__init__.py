"""opsdrill: grade fixes to broken ML systems against a rubric, in a sandbox."""

__version__ = "0.1.0"
