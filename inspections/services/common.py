"""Shared helpers of the supervision services: text, weights, uploads, audit labels."""

from decimal import Decimal, InvalidOperation
from typing import Any

from bullying.audit.models import ACTION_LABELS
from bullying.errors import ApplicationError
from bullying.uploads import clean_name

for _code, _label in {
    "campaign.created": "创建专项治理行动",
    "campaign.task_submitted": "专项治理行动报送",
    "inspection.created": "新建检查",
    "inspection.updated": "修改检查信息",
    "inspection.item_set": "填报检查结果",
    "inspection.evidence_added": "上传佐证材料",
    "inspection.submitted": "提交检查",
    "inspection.read": "查阅检查",
    "rectification.raised": "下达整改",
    "rectification.verified": "复查验收",
    "rectification.reopened": "重新整改",
    "accountability.recorded": "记录问责",
    "round.created": "创建督导批次",
    "round.published": "公布督导结果",
}.items():
    ACTION_LABELS.setdefault(_code, _label)

MAX_RECTIFICATION_DAYS = 365
MAX_WEIGHT = Decimal(100)


# ---------------------------------------------------------------------------
# Helpers


def clean_text(value: str | None, *, field: str, label: str, required: bool = True, max_length: int = 5000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise ApplicationError(f"{label}不能超过 {max_length} 个字。", field=field)
    return value


def clean_weight(value) -> Decimal:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError("权重应为数字。", field="weight")
    if not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT:
        raise ApplicationError("权重应大于 0 且不超过 100。", field="weight")
    if weight != weight.quantize(Decimal("0.01")):
        raise ApplicationError("权重最多保留两位小数。", field="weight")
    return weight


def store_upload(instance: Any, uploaded_file: Any, content_type: str) -> None:
    instance.original_name = clean_name(uploaded_file.name)
    instance.content_type = content_type
    instance.size = uploaded_file.size
    instance.file.save("upload", uploaded_file, save=False)
