"""Reporting fixtures. The case fixtures (a frozen "today" of Friday 2026-11-20, cases
opened and walked through the real services) are shared with the case tests."""

import pytest

from tests.cases.conftest import (  # noqa: F401 - fixtures re-exported for these tests
    audit_count,
    chair_of,
    frozen_today,
    open_case,
    walk,
)
