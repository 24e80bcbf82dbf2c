import json

import pytest

from app.domain.checklist import ChecklistItem, Conclusion, ItemResult
from app.domain.findings import Severity
from app.domain.labels import LabelledEnum
from app.domain.permissions import ROLE_LABELS, Role
from app.domain.reporting import (
    REPORT_STATUS_LABELS,
    DisclosurePeriod,
    FollowUpStep,
    MediaLevel,
    PublicityCampaign,
    RectificationStatus,
    SamplingOrigin,
    SummaryFigure,
    completion_rate_of,
)
from app.domain.risk import KeyFlag, RiskClass
from app.domain.statuses import EnterpriseStatus, LicenceStatus, SignalKind
from app.domain.visit_types import SupervisoryFunction, VisitType
from app.domain.vocabularies import VOCABULARIES


class Colour(LabelledEnum):
    red = "红"
    green = "绿"


class Grade(LabelledEnum):
    """A vocabulary whose codes cannot all be names spells them out."""

    passed = "pass", "合格"
    failed = "fail", "不合格"
    other = "其他"

    @property
    def shouted(self) -> str:
        return self.value.upper()


def test_a_labelled_member_behaves_as_its_string_value():
    assert Colour.red == "red"
    assert str(Colour.red) == "red" and f"{Colour.green}" == "green"
    assert Colour.red.value == "red"
    assert Colour("green") is Colour.green
    assert json.dumps({"c": Colour.red}) == '{"c": "red"}'


def test_a_labelled_member_carries_its_chinese_label():
    assert Colour.red.label == "红"
    assert Colour.labels() == [("red", "红"), ("green", "绿")]


def test_a_member_declared_with_its_label_alone_has_its_name_for_code():
    assert Colour.red.value == "red" and Colour.red.name == "red"


def test_a_member_may_spell_out_a_code_that_cannot_be_its_name():
    assert Grade("pass") is Grade.passed and Grade.passed.label == "合格"
    assert Grade.other == "other" and Grade.other.label == "其他"
    assert Grade.failed.shouted == "FAIL" and Grade.__doc__.startswith("A vocabulary")


def test_a_stored_code_reads_as_its_label_and_an_unknown_one_as_itself():
    assert Grade.label_of("fail") == "不合格"
    assert Grade.label_of("withdrawn") == "withdrawn"


def test_every_labelled_enum_of_the_domain_is_a_vocabulary_under_one_name():
    listed = [v.enum for v in VOCABULARIES.values()]
    assert len(listed) == len(set(listed))
    domain = {enum for enum in LabelledEnum.__subclasses__() if enum.__module__.startswith("app.domain.")}
    assert domain <= set(listed)
    assert {RiskClass, ChecklistItem, Role} <= domain


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


@pytest.mark.parametrize("enum", [*LABELLED, *(v.enum for v in VOCABULARIES.values())], ids=lambda e: e.__name__)
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


@pytest.mark.parametrize(
    ("done", "required", "rate"),
    [(0, 0, 1.0), (1, 2, 0.5), (2, 3, 0.6667), (0, 5, 0.0), (7, 7, 1.0)],
)
def test_the_completion_rate_is_a_number_to_four_places_and_whole_when_nothing_is_required(done, required, rate):
    assert completion_rate_of(done, required) == rate


def test_the_annex_3_figures_are_labelled_once_for_the_summary_and_the_workbook():
    assert SummaryFigure.fully_inspected.label == "已完成计划频次企业数"
    assert SummaryFigure("completion_rate").label == "完成率"
