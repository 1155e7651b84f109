"""Input and output shapes for the supervision API. Data only: rules live in
inspections.services."""

from rest_framework import serializers

from accounts.api.serializers import OrgUnitBriefSerializer
from inspections.models import (
    AccountabilityKind,
    AccountabilityMeasure,
    Campaign,
    CampaignPhase,
    CampaignTask,
    Evidence,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionRound,
    PolicyEdition,
    PolicyItem,
    Rectification,
    RectificationEvidence,
    RectificationNote,
    Result,
    TaskSubmission,
)

# ---------------------------------------------------------------------------
# The policy list


class PolicyEditionSerializer(serializers.ModelSerializer):
    item_count = serializers.SerializerMethodField()

    class Meta:
        model = PolicyEdition
        fields = ["id", "code", "title", "document", "issuer", "issued_on", "is_current", "note", "item_count"]

    def get_item_count(self, edition) -> int:
        return edition.items.count()


class PolicyItemSerializer(serializers.ModelSerializer):
    """``category`` is the category's name as published (有效预防/妥善处置/健全机制);
    ``category_code`` the stable code; ``levels`` the level codes of the offices and
    schools responsible (province, city, county, school)."""

    category = serializers.CharField(source="get_category_display")
    category_code = serializers.CharField(source="category")
    category_number = serializers.IntegerField()
    levels = serializers.ListField(child=serializers.CharField())
    edition = serializers.CharField(source="edition.code")

    class Meta:
        model = PolicyItem
        fields = [
            "number",
            "category",
            "category_code",
            "category_number",
            "topic",
            "measure",
            "levels",
            "responsible_units",
            "office_in_charge",
            "related_departments",
            "edition",
            "note",
        ]


# ---------------------------------------------------------------------------
# Inspections


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "description", "uploaded_at", "url"]

    def get_url(self, evidence) -> str:
        return f"/api/v1/inspections/{evidence.result.inspection_id}/evidence/{evidence.pk}/"


class InspectionItemSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(source="item.number")
    category = serializers.CharField(source="item.get_category_display")
    topic = serializers.CharField(source="item.topic")
    measure = serializers.CharField(source="item.measure")
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = InspectionItem
        fields = ["number", "category", "topic", "measure", "weight", "result", "finding", "updated_at", "evidence"]


class InspectionListSerializer(serializers.ModelSerializer):
    target = OrgUnitBriefSerializer()
    office = OrgUnitBriefSerializer()
    title = serializers.CharField(read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "kind",
            "status",
            "title",
            "target",
            "office",
            "inspected_on",
            "is_spot_check",
            "is_unannounced",
            "score",
            "round",
            "campaign",
            "submitted_at",
        ]


class InspectionDetailSerializer(InspectionListSerializer):
    edition = serializers.CharField(source="edition.code")
    items = serializers.SerializerMethodField()
    current_score = serializers.SerializerMethodField()

    class Meta(InspectionListSerializer.Meta):
        fields = [*InspectionListSerializer.Meta.fields, "summary", "edition", "current_score", "items"]

    def get_items(self, inspection) -> list[dict]:
        rows = inspection.results.select_related("item", "item__edition").prefetch_related("evidence")
        return InspectionItemSerializer(rows.order_by("item__number"), many=True).data

    def get_current_score(self, inspection) -> str | None:
        from inspections.services import inspection_score

        score = inspection_score(inspection)
        return str(score) if score is not None else None


class InspectionCreateSerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="被检查单位 id")
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    inspected_on = serializers.DateField(required=False)
    round = serializers.IntegerField(required=False, allow_null=True)
    campaign = serializers.IntegerField(required=False, allow_null=True)
    is_spot_check = serializers.BooleanField(required=False, default=False)
    is_unannounced = serializers.BooleanField(required=False, default=False)


class InspectionUpdateSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True)
    inspected_on = serializers.DateField(required=False)
    is_spot_check = serializers.BooleanField(required=False)
    is_unannounced = serializers.BooleanField(required=False)


class ItemResultInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=Result.choices, required=False)
    finding = serializers.CharField(required=False, allow_blank=True)
    weight = serializers.DecimalField(required=False, max_digits=5, decimal_places=2)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)


# ---------------------------------------------------------------------------
# Rectification


class RectificationNoteSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = RectificationNote
        fields = ["id", "kind", "on", "text", "actor", "at"]

    def get_actor(self, note) -> str:
        return note.actor.display_name if note.actor else "系统"


class RectificationEvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = RectificationEvidence
        fields = ["id", "original_name", "content_type", "size", "description", "uploaded_at", "url"]

    def get_url(self, evidence) -> str:
        return f"/api/v1/rectifications/{evidence.rectification_id}/evidence/{evidence.pk}/"


class RectificationSerializer(serializers.ModelSerializer):
    unit = OrgUnitBriefSerializer()
    number = serializers.IntegerField(source="result.item.number")
    topic = serializers.CharField(source="result.item.topic")
    is_overdue = serializers.BooleanField(read_only=True)
    due_explanation = serializers.ListField(source="due_steps", read_only=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "inspection",
            "number",
            "topic",
            "unit",
            "requirement",
            "status",
            "raised_on",
            "due_on",
            "due_days",
            "due_explanation",
            "is_overdue",
            "completed_on",
            "verified_on",
            "reopen_count",
        ]


class RectificationDetailSerializer(RectificationSerializer):
    notes = RectificationNoteSerializer(many=True, read_only=True)
    evidence = RectificationEvidenceSerializer(many=True, read_only=True)

    class Meta(RectificationSerializer.Meta):
        fields = [*RectificationSerializer.Meta.fields, "notes", "evidence"]


class RectificationCreateSerializer(serializers.Serializer):
    inspection = serializers.IntegerField()
    item = serializers.IntegerField(help_text="政策清单条目序号")
    requirement = serializers.CharField()
    unit = serializers.IntegerField(required=False, allow_null=True, help_text="整改责任单位，默认被检查单位")
    due_on = serializers.DateField(required=False, allow_null=True)
    days = serializers.IntegerField(required=False, allow_null=True, help_text="整改期限天数（与 due_on 二选一）")
    on = serializers.DateField(required=False)


class RectificationStepSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True)
    on = serializers.DateField(required=False)


class RectificationReopenSerializer(RectificationStepSerializer):
    due_on = serializers.DateField(required=False, allow_null=True)
    days = serializers.IntegerField(required=False, allow_null=True)


# ---------------------------------------------------------------------------
# Accountability, campaigns, rounds


class AccountabilitySerializer(serializers.ModelSerializer):
    unit = OrgUnitBriefSerializer()
    office = OrgUnitBriefSerializer()

    class Meta:
        model = AccountabilityMeasure
        fields = ["id", "unit", "kind", "reason", "decided_on", "office", "inspection", "case"]


class AccountabilityCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AccountabilityKind.choices)
    reason = serializers.CharField()
    decided_on = serializers.DateField(required=False)
    inspection = serializers.IntegerField(required=False, allow_null=True)
    case = serializers.IntegerField(required=False, allow_null=True)


class CampaignPhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = CampaignPhase
        fields = ["kind", "order", "starts_on", "ends_on", "description"]


class CampaignTaskSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase.kind")

    class Meta:
        model = CampaignTask
        fields = ["id", "phase", "kind", "title", "levels", "due_on", "description"]


class CampaignSerializer(serializers.ModelSerializer):
    organiser = OrgUnitBriefSerializer()
    edition = serializers.CharField(source="edition.code")
    phases = CampaignPhaseSerializer(many=True, read_only=True)
    tasks = CampaignTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "year", "organiser", "edition", "description", "weights", "phases", "tasks"]


class TaskSubmissionSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitBriefSerializer()
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = TaskSubmission
        fields = ["id", "task", "org_unit", "submitted_on", "is_late", "note", "original_name", "submitted_at"]


class TaskSubmitSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, help_text="报送单位，默认本人任职单位")
    note = serializers.CharField(required=False, allow_blank=True)
    on = serializers.DateField(required=False)
    file = serializers.FileField(required=False)


class InspectionRoundSerializer(serializers.ModelSerializer):
    office = OrgUnitBriefSerializer()
    is_published = serializers.BooleanField(read_only=True)

    class Meta:
        model = InspectionRound
        fields = [
            "id",
            "title",
            "semester",
            "office",
            "campaign",
            "starts_on",
            "ends_on",
            "is_published",
            "published_at",
        ]


class InspectionRoundCreateSerializer(serializers.Serializer):
    office = serializers.IntegerField(required=False, help_text="督导单位，默认本人任职单位")
    title = serializers.CharField(max_length=100)
    semester = serializers.CharField(required=False, allow_blank=True, max_length=40)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    campaign = serializers.IntegerField(required=False, allow_null=True)
