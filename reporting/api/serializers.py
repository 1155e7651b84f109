"""Input and output shapes of the reporting API. Data only: rules live in
``reporting.services`` and ``reporting.selectors``."""

from rest_framework import serializers

from accounts.api.serializers import OrgUnitBriefSerializer
from reporting.models import IncidentReport, ReportHop, ReportKind


class OnSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="该步骤实际发生的日期，默认今天")


class ReportCreateSerializer(OnSerializer):
    case = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    content = serializers.CharField(required=False, allow_blank=True, help_text="留空则按案件记录自动起草")
    public_concern = serializers.BooleanField(required=False, default=False)


class AcknowledgeSerializer(OnSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ForwardSerializer(OnSerializer):
    note = serializers.CharField(max_length=2000, help_text="本级处理意见")
    public_concern = serializers.BooleanField(required=False, default=False)


class HopSerializer(serializers.ModelSerializer):
    org_unit = OrgUnitBriefSerializer()
    acknowledged_by = serializers.SerializerMethodField()
    forwarded_by = serializers.SerializerMethodField()
    ack_late = serializers.SerializerMethodField()
    forward_late = serializers.SerializerMethodField()

    class Meta:
        model = ReportHop
        fields = [
            "org_unit",
            "received_at",
            "ack_due_at",
            "acknowledged_at",
            "acknowledged_by",
            "ack_late",
            "forward_due_at",
            "forwarded_at",
            "forwarded_by",
            "forward_late",
            "note",
        ]

    def get_acknowledged_by(self, hop) -> str | None:
        return hop.acknowledged_by.display_name if hop.acknowledged_by else None

    def get_forwarded_by(self, hop) -> str | None:
        return hop.forwarded_by.display_name if hop.forwarded_by else None

    def get_ack_late(self, hop) -> bool:
        return hop.ack_late(self.context.get("now"))

    def get_forward_late(self, hop) -> bool:
        return hop.forward_late(self.context.get("now"))


class ReportListSerializer(serializers.ModelSerializer):
    school = OrgUnitBriefSerializer()
    current_unit = OrgUnitBriefSerializer()
    case_number = serializers.CharField(source="case.number")

    class Meta:
        model = IncidentReport
        fields = [
            "id",
            "number",
            "case",
            "case_number",
            "school",
            "kind",
            "status",
            "current_unit",
            "severity",
            "public_concern",
            "reported_on",
            "submitted_at",
            "due_at",
            "is_late",
            "ministry_reported_at",
        ]


class ReportDetailSerializer(ReportListSerializer):
    hops = serializers.SerializerMethodField()

    class Meta(ReportListSerializer.Meta):
        fields = [*ReportListSerializer.Meta.fields, "content", "hops"]

    def get_hops(self, report) -> list[dict]:
        return HopSerializer(report.hops.all(), many=True, context=self.context).data


class DashboardQuerySerializer(serializers.Serializer):
    org_unit = serializers.CharField(required=False, allow_blank=True)
    period = serializers.CharField(required=False, allow_blank=True)
