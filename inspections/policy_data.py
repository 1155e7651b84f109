"""Loading a published edition of the policy list from its committed JSON.

``data/policy_list_2021.json`` was built once from the seed by ``data/build_policy_list.py``
and checked by eye. The loader takes the model classes as arguments so the data
migration can pass its historical models.
"""

import datetime as dt
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
POLICY_LIST_2021 = DATA_DIR / "policy_list_2021.json"

LEVELS = ("province", "city", "county", "school")


def read_policy_list(path: Path = POLICY_LIST_2021) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    numbers = [item["number"] for item in data["items"]]
    if numbers != sorted(set(numbers)) or not numbers:
        raise ValueError(f"{path.name}: item numbers must be unique and ascending")
    return data


def load_edition(edition_model, item_model, data: dict, *, make_current: bool = True):
    """Create the edition and its items; make it the current one. A second call with the
    same edition code changes nothing and returns the stored edition."""
    meta = data["edition"]
    existing = edition_model.objects.filter(code=meta["code"]).first()
    if existing is not None:
        return existing
    if make_current:
        edition_model.objects.filter(is_current=True).update(is_current=False)
    edition = edition_model.objects.create(
        code=meta["code"],
        title=meta["title"],
        document=meta["document"],
        issuer=meta.get("issuer", ""),
        issued_on=dt.date.fromisoformat(meta["issued_on"]) if meta.get("issued_on") else None,
        note=meta.get("note", ""),
        is_current=make_current,
    )
    item_model.objects.bulk_create(
        item_model(
            edition=edition,
            number=item["number"],
            category=item["category"],
            topic=item["topic"],
            measure=item["measure"],
            responsible_units=item["responsible_units"],
            office_in_charge=item.get("office_in_charge", ""),
            related_departments=item.get("related_departments", []),
            merged_from=item.get("merged_from", {}),
            corrections=item.get("corrections", []),
            note=item.get("note", ""),
            **{f"for_{level}": level in item["levels"] for level in LEVELS},
        )
        for item in data["items"]
    )
    return edition
