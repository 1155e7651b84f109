"""Build ``policy_list_2021.json`` from the seed text of 教基厅函〔2021〕5号 附件2.

Run once by hand; the JSON it writes is committed and loaded by a data migration::

    python inspections/data/build_policy_list.py /work/shared/seeds/003_a4a0fb8e40fa4b77.txt

How the seed's table is read:

* Rows are tab-separated with seven columns (序号, 项目, 内容, 工作措施, 教育系统责任单位,
  省教育厅责任处室, 省直有关部门). A few rows lost leading tabs in conversion; the column
  holding the numbered measure (``30. …``) fixes the offset of the whole row.
* One cell may hold several numbered measures (5–7, 11–12, 34–35); they are split on
  the numbers, which must run 1…50 without a gap.
* An empty cell under a filled one is the continuation of a vertically merged cell, as in
  the printed table: it takes the value above, within the same category. Each item
  records which fields were carried down that way (``merged_from``).
* Text is kept as published. Only conversion damage is repaired, and every repair is
  listed in the item's ``corrections`` with the seed's text.
"""

import json
import re
import sys
from pathlib import Path

HEADER = "序号\t项目\t内容\t工作措施\t教育系统责任单位\t省教育厅责任处室\t省直有关部门"
CATEGORIES = {"有效预防": "prevention", "妥善处置": "handling", "健全机制": "mechanism"}
CATEGORY_NUMBERS = {"prevention": 1, "handling": 2, "mechanism": 3}
MEASURE = re.compile(r"(?:^|\s)(\d{1,2})\.\s")

# Conversion damage in the seed, repaired here: (item, field, seed text, published text, why).
CORRECTIONS = [
    (10, "measure", "责任意识 and 能力水平", "责任意识和能力水平", "转换时“和”被译为英文“and”"),
    (38, "office_in_charge", "法规处 教处 高中处 职教处", "法规处 义教处 高中处 职教处", "“义教处”脱字"),
]

# Items whose published text is odd but is how the notice reads; kept, with a note.
NOTES = {
    11: "原文如此：本项后半句“组织开展家长培训……帮助家长了解防治学生欺凌知识。”与第14项相同。",
    22: "原文如此：“校规校级”应为“校规校纪”。",
    31: "原文如此：“中小学生学习欺凌”。",
}


def levels_of(units: str) -> list[str]:
    """``省、市、县（区、市）教育行政部门，各中小学校`` → province, city, county, school."""
    levels = []
    for part in re.split("[，,]", units):
        part = part.strip()
        if "教育行政部门" in part:
            prefix = re.sub(r"（[^）]*）", "", part.split("教育行政部门")[0])
            for name in prefix.split("、"):
                level = {"省": "province", "市": "city", "县": "county"}.get(name.strip())
                if level is None:
                    raise ValueError(f"unknown office level {name!r} in {units!r}")
                levels.append(level)
        elif part.endswith("中小学校"):
            levels.append("school")
        elif part:
            raise ValueError(f"unknown responsible unit {part!r}")
    order = ["province", "city", "county", "school"]
    return sorted(set(levels), key=order.index)


def table_rows(text: str) -> list[list[str]]:
    start = text.index("附件2")
    end = text.index("注：本表所称", start)
    rows = []
    for line in text[start:end].splitlines():
        if line == HEADER or "\t" not in line:
            continue
        cells = [c.strip() for c in line.split("\t")]
        if any(cells):
            rows.append(cells)
    return rows


def parse(text: str) -> dict:
    # Repair conversion damage before reading, so merged cells carry the repaired text.
    for number, _field, seed, published, _why in CORRECTIONS:
        if text.count(seed) != 1:
            raise ValueError(f"correction for item {number} does not match the seed exactly once")
        text = text.replace(seed, published)
    items: list[dict] = []
    category = topic = None
    carried: dict[str, tuple[str, int]] = {}
    for cells in table_rows(text):
        at = next(i for i, c in enumerate(cells) if MEASURE.match(c))
        shift = 3 - at

        def col(k: int, cells=cells, shift=shift) -> str:
            i = k - shift
            return cells[i] if 0 <= i < len(cells) else ""

        if col(1):
            new_category = CATEGORIES[col(1)]
            if new_category != category:
                carried = {}
            category = new_category
        if col(2):
            topic = col(2)
        row = {
            "responsible_units": col(4),
            "office_in_charge": col(5),
            "related_departments": col(6),
        }
        parts = MEASURE.split(col(3))
        # ['', '5', 'text', '6', 'text', …]
        for number, measure in zip(parts[1::2], parts[2::2], strict=True):
            item = {
                "number": int(number),
                "category": category,
                "category_number": CATEGORY_NUMBERS[category],
                "topic": topic,
                "measure": measure.strip(),
            }
            merged_from = {}
            for field, value in row.items():
                if value:
                    carried[field] = (value, int(number))
                    item[field] = value
                elif field in carried:
                    item[field], source = carried[field]
                    merged_from[field] = source
                else:
                    item[field] = ""
            item["merged_from"] = merged_from
            items.append(item)
    numbers = [i["number"] for i in items]
    if numbers != list(range(1, 51)):
        raise ValueError(f"measures are not numbered 1…50: {numbers}")
    by_number = {i["number"]: i for i in items}
    for number, field, seed, published, why in CORRECTIONS:
        item = by_number[number]
        if published not in item[field]:
            raise ValueError(f"correction for item {number} did not reach its field")
        item.setdefault("corrections", []).append({"field": field, "seed": seed, "published": published, "why": why})
    for item in items:
        item["levels"] = levels_of(item["responsible_units"])
        item["related_departments"] = item["related_departments"].split()
        item.setdefault("corrections", [])
        item["note"] = NOTES.get(item["number"], "")
        if not (item["topic"] and item["measure"] and item["levels"]):
            raise ValueError(f"item {item['number']} is incomplete: {item}")
    note = text[text.index("注：本表所称") :].split("\n")[0].strip()
    return {
        "edition": {
            "code": "jjtj-2021-5-att2",
            "title": "中小学生欺凌防治工作政策清单",
            "document": "教基厅函〔2021〕5号 附件2",
            "issuer": "教育部办公厅",
            "issued_on": "2021-01-20",
            "note": note,
        },
        "categories": [
            {"code": "prevention", "number": 1, "name": "有效预防", "first": 1, "last": 29},
            {"code": "handling", "number": 2, "name": "妥善处置", "first": 30, "last": 46},
            {"code": "mechanism", "number": 3, "name": "健全机制", "first": 47, "last": 50},
        ],
        "items": [
            {
                key: item[key]
                for key in (
                    "number",
                    "category",
                    "category_number",
                    "topic",
                    "measure",
                    "responsible_units",
                    "levels",
                    "office_in_charge",
                    "related_departments",
                    "merged_from",
                    "corrections",
                    "note",
                )
            }
            for item in items
        ],
    }


def main(argv: list[str]) -> None:
    seed = Path(argv[1])
    out = Path(__file__).with_name("policy_list_2021.json")
    data = parse(seed.read_text(encoding="utf-8"))
    for category in data["categories"]:
        got = [i["number"] for i in data["items"] if i["category"] == category["code"]]
        if got != list(range(category["first"], category["last"] + 1)):
            raise ValueError(f"category {category['name']} holds {got}")
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(data['items'])} items to {out}")


if __name__ == "__main__":
    main(sys.argv)
