"""Data: the 50-item policy list of 教基厅函〔2021〕5号 附件2, from the committed JSON.

Reversing removes the edition only while no inspection or campaign uses it (PROTECT).
"""

from django.db import migrations

from inspections.policy_data import POLICY_LIST_2021, load_edition, read_policy_list


def load(apps, schema_editor):
    PolicyEdition = apps.get_model("inspections", "PolicyEdition")
    PolicyItem = apps.get_model("inspections", "PolicyItem")
    load_edition(PolicyEdition, PolicyItem, read_policy_list(POLICY_LIST_2021))


def unload(apps, schema_editor):
    PolicyEdition = apps.get_model("inspections", "PolicyEdition")
    PolicyItem = apps.get_model("inspections", "PolicyItem")
    code = read_policy_list(POLICY_LIST_2021)["edition"]["code"]
    PolicyItem.objects.filter(edition__code=code).delete()
    PolicyEdition.objects.filter(code=code).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_supervision_policy_list_campaigns_rectification")]

    operations = [migrations.RunPython(load, unload)]
