"""A prefix index for subtree queries (``path LIKE '/1/7/%'``) on PostgreSQL.

The plain B-tree index on ``path`` serves prefix LIKE only under the C collation;
``varchar_pattern_ops`` makes it serve it under any collation. SQLite needs nothing.
"""

from django.db import migrations


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS accounts_orgunit_path_prefix "
            "ON accounts_orgunit (path varchar_pattern_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS accounts_orgunit_path_prefix")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_index, drop_index)]
