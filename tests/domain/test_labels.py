import json

import pytest

from app.domain.checklist import ChecklistItem, Conclusion, ItemResult
from app.domain.findings import Severity
from app.domain.labels import LabelledEnum
from app.domain.ledger import EnterpriseStatus, LicenceStatus, SignalKind
from app.domain.permissions import ROLE_LABELS, Role
from app.domain.reporting import (
    REPORT_STATUS_LABELS,
    DisclosurePeriod,
    FollowUpStep,
    MediaLevel,
    PublicityCampaign,
    RectificationStatus,
    SamplingOrigin,
)
from app.domain.risk import KeyFlag, RiskClass
from app.domain.visit_types import SupervisoryFunction, VisitType


class Colour(LabelledEnum):
    red = "red", "红"
    green = "green", "绿"


def test_a_labelled_member_behaves_as_its_string_value():
    assert Colour.red == "red"
    assert str(Colour.red) == "red" and f"{Colour.green}" == "green"
    assert Colour.red.value == "red"
    assert Colour("green") is Colour.green
    assert json.dumps({"c": Colour.red}) == '{"c": "red"}'


def test_a_labelled_member_carries_its_chinese_label():
    assert Colour.red.label == "红"
    assert Colour.labels() == [("red", "红"), ("green", "绿")]


LABELLED = [
    Severity,
    ChecklistItem,
    ItemResult,
    Conclusion,
    EnterpriseStatus,
    LicenceStatus,
    SignalKind,
    RiskClass,
    KeyFlag,
    VisitType,
    SupervisoryFunction,
    Role,
    FollowUpStep,
    PublicityCampaign,
    RectificationStatus,
    SamplingOrigin,
    MediaLevel,
    DisclosurePeriod,
]


@pytest.mark.parametrize("enum", LABELLED, ids=lambda e: e.__name__)
def test_every_domain_vocabulary_is_a_labelled_enum_with_a_chinese_label_per_member(enum):
    assert issubclass(enum, LabelledEnum)
    pairs = enum.labels()
    assert [code for code, _ in pairs] == [m.value for m in enum]
    assert all(label and not label.isascii() for _, label in pairs)


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (Severity.serious_hazard, "严重隐患"),
        (RiskClass.D, "D类（高风险）"),
        (KeyFlag.product, "重点产品"),
        (VisitType.reinspection, "复查回访"),
        (SupervisoryFunction.metrology, "计量"),
        (EnterpriseStatus.closed, "关闭（注销）"),
        (LicenceStatus.revoked, "吊销"),
        (SignalKind.risk_alert, "风险监测"),
        (Role.COUNTY_INSPECTOR, "县（市）局执法人员"),
        (FollowUpStep.resampled, "跟踪复查抽样"),
        (PublicityCampaign.consumer_rights_day, "3·15国际消费者权益日"),
        (RectificationStatus.overdue, "逾期未整改"),
        (SamplingOrigin.referred, "上级转办"),
        (SamplingOrigin.local, "本级组织"),
        (MediaLevel.prefecture, "地区级"),
        (Conclusion.violation, "涉嫌违法，移交立案查处"),
    ],
)
def test_members_keep_their_labels(member, label):
    assert member.label == label


def test_the_old_label_dicts_are_derived_from_the_enums():
    assert ROLE_LABELS[Role.SERVICE] == Role.SERVICE.label
    assert REPORT_STATUS_LABELS == {
        "submitted": "按时报送",
        "late": "逾期报送",
        "missing": "未报送（已逾期）",
        "pending": "未报送",
    }


def test_a_checklist_item_keeps_its_content_beside_its_label():
    assert ChecklistItem.records.label == "全过程记录"
    assert ChecklistItem.records.content.endswith("。")
