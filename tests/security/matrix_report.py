"""Prints the size of the permission matrix at the end of every run that ran its cells.

A plugin registered by tests/conftest.py (``pytest_plugins``), not a hook of
tests/security/conftest.py: under pytest-xdist the process that prints the summary
collects nothing, so it never loads that conftest.
"""

MATRIX_STATS: dict = {"generated": 0, "checked": 0, "rows": 0, "skipped_rows": [], "uncovered": []}


def pytest_runtest_logreport(report):
    # Counted from the reports, so the number is right when the cells run in parallel
    # worker processes (pytest-xdist sends every report to the process that prints).
    if report.when == "call" and report.passed and "test_matrix.py::test_cell[" in report.nodeid:
        MATRIX_STATS["checked"] += 1


def pytest_terminal_summary(terminalreporter):
    stats = MATRIX_STATS
    if stats["checked"] and not stats["generated"]:
        # Under pytest-xdist the cells ran in workers; the table is read here again.
        import tests.security.test_matrix  # noqa: F401 - fills MATRIX_STATS
    if not stats["checked"] and not stats["generated"]:
        return
    terminalreporter.write_sep("-", "security proof")
    terminalreporter.write_line(
        f"permission matrix: {stats['checked']} cells checked "
        f"(of {stats['generated']} generated from {stats['rows']} rows)"
    )
    skipped = stats["skipped_rows"]
    terminalreporter.write_line(f"permission matrix: {len(skipped)} rows skipped (URL name not mounted)")
    for name in skipped:
        terminalreporter.write_line(f"  skipped: {name}")
    if stats["uncovered"]:
        terminalreporter.write_line(
            f"permission matrix: {len(stats['uncovered'])} mounted URL names have no row yet: "
            + ", ".join(stats["uncovered"])
        )
    else:
        terminalreporter.write_line("permission matrix: 0 mounted URL names have no row")
