from django.db import migrations


class Migration(migrations.Migration):
    """The appeal tables take their app's name (``cases_appeal`` → ``appeals_appeal``…).

    A rename keeps every row, foreign key, index and sequence.
    """

    dependencies = [
        ("appeals", "0001_appeals_from_the_case_app"),
        ("cases", "0004_appeals_moved_to_their_own_app"),
    ]

    operations = [
        migrations.AlterModelTable(name="appeal", table=None),
        migrations.AlterModelTable(name="appealattachment", table=None),
        migrations.AlterModelTable(name="appealuserobjectpermission", table=None),
        migrations.AlterModelTable(name="panelmember", table=None),
    ]
