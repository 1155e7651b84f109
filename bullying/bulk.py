"""Insert many rows at once, skipping those a unique constraint already holds.

``bulk_create(ignore_conflicts=True)`` prepares every value of every model instance in
Python and cannot say which rows were new. The reminder sweep writes tens of thousands of
rows at province scale and must know exactly which ones it inserted (to count them and to
e-mail only new notifications), so it uses this instead: plain tuples, one multi-row
``INSERT … ON CONFLICT DO NOTHING RETURNING`` per chunk. PostgreSQL and SQLite (3.35+)
both support it; ``DO NOTHING`` without a target covers every unique index, partial ones
included.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models


def _column(model: type[models.Model], name: str) -> tuple[models.Field, str]:
    """The concrete field called ``name`` (attribute name) and its column."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model._meta.label}.{name} is not a column")
    return field, field.column


def bulk_insert_new(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    returning: Sequence[str] = ("id",),
    chunk_size: int = 2000,
) -> list[tuple]:
    """Insert ``rows`` (values in the order of ``fields``, attribute names such as
    ``unit_id``); return the ``returning`` columns of the rows actually inserted."""
    opts = model._meta
    columns = [_column(model, name) for name in fields]
    back = [_column(model, name)[1] for name in returning]
    quote = connection.ops.quote_name
    max_params = connection.features.max_query_params
    if max_params:
        chunk_size = max(1, min(chunk_size, max_params // len(columns)))
    adapt = connection.vendor != "postgresql"  # psycopg2 adapts dates and aware datetimes itself
    one_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Only table and column names from the model's metadata are formatted in; values are parameters.
    head = f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(column) for _, column in columns)}) VALUES "  # noqa: S608
    tail = " ON CONFLICT DO NOTHING" + (f" RETURNING {', '.join(quote(c) for c in back)}" if back else "")
    inserted: list[tuple] = []
    chunk: list = []

    def flush() -> None:
        if not chunk:
            return
        params = [value for row in chunk for value in row]
        with connection.cursor() as cursor:
            cursor.execute(head + ", ".join([one_row] * len(chunk)) + tail, params)
            if back:
                inserted.extend(tuple(r) for r in cursor.fetchall())
        chunk.clear()

    for row in rows:
        if adapt:
            row = [field.get_db_prep_save(value, connection) for (field, _), value in zip(columns, row, strict=True)]
        chunk.append(row)
        if len(chunk) >= chunk_size:
            flush()
    flush()
    return inserted
