"""Input and output shapes for the appeal API. Data only: rules live in cases.appeals.services.

Masking: the appellant's name and free text that may name a child (grounds, reasons,
notes, opinion) go through the privacy presenter the view puts in ``context["privacy"]``
(``cases.privacy``): in full for the school, the county office and the panel; the offices
above read the filing masked.
"""

from rest_framework import serializers

from accounts.api.serializers import OrgUnitBriefSerializer
from cases.api.serializers import OnSerializer
from cases.appeals.models import Appeal, LegalRoute, PanelKind, PanelMember
from cases.models import Severity
from cases.privacy import privacy_from_context


class AppealCreateSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    appellant_name = serializers.CharField(max_length=50)
    appellant_relation = serializers.CharField(max_length=50, help_text="申诉人与学生的关系，如“受欺凌学生母亲”")
    grounds = serializers.CharField(help_text="申诉理由")
    received_on = serializers.DateField(required=False, help_text="收到申诉的日期，默认今天")


class ReasonsSerializer(OnSerializer):
    reasons = serializers.CharField(required=False, allow_blank=True, help_text="受理决定的书面理由")


class ReferLegalSerializer(ReasonsSerializer):
    legal_route = serializers.ChoiceField(
        choices=LegalRoute.choices, required=False, allow_blank=True, help_text="告知申诉人的法律途径"
    )
    legal_route_note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class PanelMemberInputSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PanelKind.choices)


class PanelSerializer(OnSerializer):
    members = PanelMemberInputSerializer(many=True)


class DecideSerializer(OnSerializer):
    is_bullying = serializers.BooleanField()
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, allow_blank=True)
    opinion = serializers.CharField(help_text="处置意见")
    agreed_by = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="同意复查结论的小组成员（用户 id），默认全体成员"
    )
    agreement_note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class FileSerializer(OnSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class PanelMemberSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = PanelMember
        fields = ["user", "name", "kind", "appointed_on", "agreed"]

    def get_name(self, member) -> str:
        return member.user.display_name


class AppealListSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    school = OrgUnitBriefSerializer(source="case.school", read_only=True)
    county = OrgUnitBriefSerializer(read_only=True)
    appellant_name = serializers.SerializerMethodField()
    appellant_relation = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)
    decided_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "number",
            "case",
            "case_number",
            "school",
            "county",
            "status",
            "appellant_name",
            "appellant_relation",
            "received_on",
            "accepted_on",
            "review_due",
            "days_left",
            "is_overdue",
            "decided_on",
            "decided_late",
            "overturned",
            "filed_on",
        ]

    def _privacy(self, appeal):
        return privacy_from_context(self.context, appeal)

    def get_appellant_name(self, appeal) -> str:
        return self._privacy(appeal).appellant_name(appeal)

    def get_appellant_relation(self, appeal) -> str:
        return self._privacy(appeal).field(appeal, "appellant_relation")

    def to_representation(self, appeal):
        return self._privacy(appeal).data(appeal, super().to_representation(appeal))

    def get_days_left(self, appeal) -> int | None:
        return appeal.days_left()


class AppealDetailSerializer(AppealListSerializer):
    grounds = serializers.SerializerMethodField()
    forwarded_by = OrgUnitBriefSerializer(read_only=True)
    review_due_explanation = serializers.ListField(source="review_due_steps", read_only=True)
    panel = serializers.SerializerMethodField()
    determination = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()
    filed_with = OrgUnitBriefSerializer(read_only=True)
    names_masked = serializers.SerializerMethodField()

    class Meta(AppealListSerializer.Meta):
        fields = [
            *AppealListSerializer.Meta.fields,
            "grounds",
            "forwarded_by",
            "acceptance_reasons",
            "legal_route",
            "legal_route_note",
            "review_due_explanation",
            "panel_formed_on",
            "panel",
            "determination",
            "decision",
            "filed_with",
            "filing_note",
            "names_masked",
        ]

    def get_grounds(self, appeal) -> str:
        return self._privacy(appeal).field(appeal, "grounds")

    def get_panel(self, appeal) -> list[dict]:
        return PanelMemberSerializer(appeal.panel.select_related("user").order_by("kind", "id"), many=True).data

    def get_determination(self, appeal) -> dict:
        d = appeal.determination
        return {"is_bullying": d.is_bullying, "severity": d.severity, "decided_on": d.decided_on}

    def get_decision(self, appeal) -> dict | None:
        if appeal.decided_on is None:
            return None
        return {
            "is_bullying": appeal.decision_is_bullying,
            "severity": appeal.decision_severity,
            "opinion": self._privacy(appeal).field(appeal, "decision_opinion"),
            "decided_on": appeal.decided_on,
            "decided_late": appeal.decided_late,
            "overturned": appeal.overturned,
            "agreement_note": self._privacy(appeal).field(appeal, "agreement_note"),
        }

    def get_names_masked(self, appeal) -> bool:
        return self._privacy(appeal).masked
