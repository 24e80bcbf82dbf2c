"""What each notification says: titles and bodies in Chinese, with the dates and numbers a reader needs.

Pure functions of their arguments; every number of a rule (lead times, the level-2 limit) is passed in from the
year's RuleSet by the caller.
"""

from datetime import date

SHORT = 30
"""Characters of a finding's description quoted in a title; the body quotes it whole."""


def short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[:SHORT] + "…"


def deadline_soon(
    enterprise: str, description: str, severity: str, found_on: date, deadline: date, days_left: int, level_2: int
) -> tuple[str, str]:
    title = f"整改期限将至：{enterprise}“{short(description)}”须于{deadline.isoformat()}前整改（剩余{days_left}天）"
    body = (
        f"{enterprise}于{found_on.isoformat()}检查发现的{severity}“{description}”，整改期限为{deadline.isoformat()}，"
        f"剩余{days_left}天。请督促企业按期整改并报送整改报告；逾期未整改由县（市）局督办，"
        f"逾期超过{level_2}天列入风险问题清单并报地区局。"
    )
    return title, body


def deadline_soon_to_enterprise(description: str, found_on: date, deadline: date, days_left: int) -> tuple[str, str]:
    title = f"整改期限将至：“{short(description)}”须于{deadline.isoformat()}前整改（剩余{days_left}天）"
    body = (
        f"{found_on.isoformat()}检查发现的问题“{description}”，整改期限为{deadline.isoformat()}，剩余{days_left}天。"
        "请按期整改并报送整改报告；确需延期的，请在期限届满前提出延期申请。"
    )
    return title, body


def deadline_passed(
    enterprise: str, description: str, severity: str, found_on: date, deadline: date, days_over: int, level_2: int
) -> tuple[str, str]:
    title = f"整改已逾期：{enterprise}“{short(description)}”整改期限{deadline.isoformat()}已过，企业未报整改"
    body = (
        f"{enterprise}于{found_on.isoformat()}检查发现的{severity}“{description}”，整改期限{deadline.isoformat()}"
        f"已过（逾期{days_over}天），企业尚未报送整改。由县（市）局督办；逾期超过{level_2}天将列入风险问题清单并报地区局。"
    )
    return title, body


def reinspection_due(
    enterprise: str, description: str, rectified_on: date, waited_days: int, deadline: date
) -> tuple[str, str]:
    title = (
        f"待复查回访：{enterprise}“{short(description)}”已于{rectified_on.isoformat()}报送整改，已{waited_days}天未复查"
    )
    body = (
        f"{enterprise}于{rectified_on.isoformat()}报送了“{description}”的整改报告，已{waited_days}天未复查回访"
        f"（整改期限{deadline.isoformat()}）。请按时实施复查回访，提交复查回访检查记录后录入复查结果。"
    )
    return title, body


def report_due(county: str, year: int, period_label: str, due: date, days_left: int) -> tuple[str, str]:
    title = (
        f"报送期限将至：{county}{year}年监督检查完成情况汇总表（附件3）须于{due.isoformat()}前报送（剩余{days_left}天）"
    )
    body = (
        f"按计划，{year}年监督检查完成情况汇总表（附件3）应于{period_label}报送；{county}尚未报送，"
        f"距报送期限（{due.isoformat()}）还有{days_left}天。"
    )
    return title, body


def county_behind(county: str, year: int, behind: int, lines: int, today: date) -> tuple[str, str]:
    title = f"计划进度滞后：{county}有{behind}户企业未按进度完成{year}年监督检查"
    body = (
        f"截至{today.isoformat()}，{year}年度检查计划中{county}共{lines}户企业，其中{behind}户已完成的检查次数"
        f"少于按进度应完成的次数。请查看计划进度，安排检查。"
    )
    return title, body


def prefecture_behind(year: int, behind_by_county: list[tuple[str, int]], today: date) -> tuple[str, str]:
    total = sum(n for _, n in behind_by_county)
    title = f"计划进度滞后：{len(behind_by_county)}个县（市）共{total}户企业未按进度完成{year}年监督检查"
    listed = "、".join(f"{county}{n}户" for county, n in behind_by_county)
    body = (
        f"截至{today.isoformat()}，{year}年度检查计划未按进度完成检查的企业：{listed}。"
        "请查看计划进度，督促各县（市）局。"
    )
    return title, body
