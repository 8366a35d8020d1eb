"""Results stores: where a batch keeps each submission's result, durably, as soon as it has it.

One interface (`ResultStore`); SQLite is the embedded default. A result is keyed by what it depends
on (`ResultKey`): identical submissions graded against the same rubric share one result.
"""

from harness.store.base import ResultStore
from harness.store.sqlite import SqliteStore

__all__ = ["ResultStore", "SqliteStore"]
