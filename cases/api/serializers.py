"""Input and output shapes for the case API. Data only: rules live in cases.services.

Output goes through the privacy presenter the view puts in ``context["privacy"]``
(``cases.privacy``): every field that may identify a child comes out as the viewer may
see it; without a presenter, masked.
"""

from rest_framework import serializers

from accounts.api.serializers import OrgUnitBriefSerializer
from cases.models import (
    Case,
    Determination,
    FollowUp,
    Form,
    Measure,
    MeasureKind,
    NoticeDirection,
    NoticeMethod,
    ParentNotice,
    Party,
    PartyRole,
    Severity,
    Source,
    TimelineEntry,
)
from cases.privacy import privacy_from_context


class PresentedSerializer(serializers.ModelSerializer):
    """A model's output with its name-bearing fields as the viewer may see them."""

    def to_representation(self, instance):
        return privacy_from_context(self.context, instance).data(instance, super().to_representation(instance))


class OnSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="该步骤实际发生的日期，默认今天")


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices)
    name = serializers.CharField(max_length=50)
    student_no = serializers.CharField(max_length=32, required=False, allow_blank=True)
    grade = serializers.CharField(max_length=20, required=False, allow_blank=True)
    class_name = serializers.CharField(max_length=20, required=False, allow_blank=True)
    is_external = serializers.BooleanField(required=False, default=False)


class CaseCreateSerializer(OnSerializer):
    school = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=200)
    source = serializers.ChoiceField(choices=Source.choices)
    forms = serializers.ListField(child=serializers.ChoiceField(choices=Form.choices), allow_empty=False)
    summary = serializers.CharField()
    parties = PartyInputSerializer(many=True)


class PartySerializer(PresentedSerializer):
    class Meta:
        model = Party
        fields = ["id", "role", "name", "student_no", "grade", "class_name", "is_external"]


class DeterminationSerializer(PresentedSerializer):
    signed_off = serializers.SerializerMethodField()

    class Meta:
        model = Determination
        fields = ["is_bullying", "severity", "decided_on", "meeting_on", "reasoning", "signed_off"]

    def get_signed_off(self, obj) -> bool:
        return obj.signed_off_by_id is not None


class MeasureSerializer(PresentedSerializer):
    class Meta:
        model = Measure
        fields = [
            "id",
            "kind",
            "party",
            "description",
            "responsible",
            "decided_on",
            "due_on",
            "completed_on",
            "planned_hours",
            "completed_hours",
            "approved_on",
            "approval_authority",
        ]


class ParentNoticeSerializer(PresentedSerializer):
    class Meta:
        model = ParentNotice
        fields = ["id", "party", "direction", "method", "guardian", "content", "on"]


class FollowUpSerializer(PresentedSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "party", "on", "note"]


class CaseListSerializer(PresentedSerializer):
    school = OrgUnitBriefSerializer()
    is_overdue = serializers.BooleanField(read_only=True)
    days_left = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "school",
            "status",
            "occurred_at",
            "reported_on",
            "source",
            "forms",
            "investigation_started_on",
            "investigation_due",
            "days_left",
            "is_overdue",
            "is_bullying",
            "severity",
        ]

    def get_days_left(self, case) -> int | None:
        return case.days_left()


class CaseDetailSerializer(CaseListSerializer):
    parties = serializers.SerializerMethodField()
    determination = serializers.SerializerMethodField()
    measures = MeasureSerializer(many=True, read_only=True)
    parent_notices = ParentNoticeSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)
    investigation_due_explanation = serializers.ListField(source="investigation_due_steps", read_only=True)
    names_masked = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "location",
            "summary",
            "investigation_due_explanation",
            "determined_on",
            "determined_late",
            "handling_started_on",
            "follow_up_started_on",
            "closed_on",
            "closing_summary",
            "reopened_by_review",
            "names_masked",
            "parties",
            "determination",
            "measures",
            "parent_notices",
            "follow_ups",
        ]

    def get_parties(self, case) -> list[dict]:
        return PartySerializer(case.parties.all(), many=True, context=self.context).data

    def get_determination(self, case) -> dict | None:
        determination = self.context.get("determination")
        return DeterminationSerializer(determination, context=self.context).data if determination else None

    def get_names_masked(self, case) -> bool:
        return privacy_from_context(self.context, case).masked


class DetermineSerializer(OnSerializer):
    is_bullying = serializers.BooleanField()
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_blank=True)
    reasoning = serializers.CharField()
    meeting_on = serializers.DateField(required=False)
    members_present = serializers.ListField(child=serializers.IntegerField(), required=False)
    members_present_note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class MeasureInputSerializer(OnSerializer):
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    party = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    responsible = serializers.CharField(max_length=50)
    due_on = serializers.DateField(required=False, allow_null=True)
    planned_hours = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=500)
    approved_on = serializers.DateField(required=False, allow_null=True)
    approval_authority = serializers.CharField(required=False, allow_blank=True, max_length=100)


class MeasureProgressSerializer(serializers.Serializer):
    completed_hours = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=500)
    completed_on = serializers.DateField(required=False, allow_null=True)


class ParentNoticeInputSerializer(OnSerializer):
    direction = serializers.ChoiceField(choices=NoticeDirection.choices)
    method = serializers.ChoiceField(choices=NoticeMethod.choices)
    guardian = serializers.CharField(max_length=50)
    party = serializers.IntegerField(required=False, allow_null=True)
    content = serializers.CharField(required=False, allow_blank=True)


class FollowUpInputSerializer(OnSerializer):
    note = serializers.CharField()
    party = serializers.IntegerField(required=False, allow_null=True)


class CloseSerializer(OnSerializer):
    summary = serializers.CharField(required=False, allow_blank=True)


class TimelineEntrySerializer(PresentedSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "at", "on", "kind", "text", "actor"]

    def get_actor(self, entry) -> str:
        return entry.actor.display_name if entry.actor else "系统"
