"""One realistic request example per body schema, keyed by the schema's name: the 塔城地区 demo data (塔城市 654201,
乌苏市 654202; credit codes whose check character is right). `Input` puts it into its schema's `examples`; the
schemathesis runs send them; tests/api/test_contract_text.py validates each against its model."""

from typing import Any

ENTERPRISE = "3f6c2a9e-1b7d-4c52-9a0e-5d8f7b1c2e40"
VISIT = "8b1e4d27-6c3a-4f95-b0d2-7a9e5c3f1d68"
INSPECTOR = "c2d7a5e1-9f4b-4e36-8a1c-0b6d3e7f9a25"
ATTACHMENT = "5a9f3c1e-7d2b-4b8e-9c6a-1e4f7d2b8c30"
CREDIT_CODE = "91654201MA00000011"
"""塔城市恒通水泥有限公司 on the demo ledger: 9 工商, 1 企业, 654201 塔城市, check character 1"""

EXAMPLES: dict[str, dict[str, Any]] = {
    "RefreshRequest": {"refresh_token": "rt_6f2c9d41b7e84a0fa3d5c81e97b2046d"},
    "PasswordChange": {"old_password": "Zhijian@2026", "new_password": "塔城质检-2027春季"},
    "PasswordReset": {"new_password": "塔城质检-临时口令-0417"},
    "TwoFactorConfirm": {"code": "492817"},
    "UserCreate": {
        "username": "tcs_insp3",
        "full_name": "塔城市执法人员丙",
        "role": "county_inspector",
        "county_code": "654201",
        "phone": "13899012345",
        "credential_no": "65420100003",
        "credential_valid_from": "2026-01-01",
        "credential_valid_until": "2030-12-31",
        "password": "塔城质检-初始口令-2026",
    },
    "UserUpdate": {"full_name": "塔城市执法人员丙", "phone": "13899012346", "credential_valid_until": "2031-12-31"},
    "RoleAssignment": {"role": "county_admin", "county_code": "654202"},
    "ServiceAccountCreate": {
        "name": "licensing-system",
        "scopes": ["enterprises:read", "licences:write"],
        "county_code": None,
    },
    "VisitCreate": {
        "enterprise_id": ENTERPRISE,
        "visit_type": "routine_patrol",
        "visit_date": "2026-05-12",
        "inspectors": [{"user_id": INSPECTOR, "credential_shown": True}],
        "checklist": {
            "production_environment": {"result": "conforming"},
            "labelling": {"result": "nonconforming", "note": "产品标签未标注执行标准编号", "severity": "general"},
        },
        "supervisory_functions": ["metrology"],
        "conclusion": "rectification_required",
        "representative_name": "王建国",
        "representative_title": "生产厂长",
        "notes": "现场检查水泥生产线，出厂检验记录完整。",
    },
    "VisitUpdate": {
        "visit_date": "2026-05-13",
        "conclusion": "conforming",
        "notes": "复核出厂检验报告后确认符合要求。",
    },
    "VisitAmendmentCreate": {
        "reason": "企业陪同人员职务记录有误",
        "representative_title": "质量负责人",
    },
    "FindingCreate": {
        "description": "成品库水泥堆放未按批次标识，无法追溯出厂检验记录",
        "severity": "general",
        "checklist_item": "storage_delivery",
    },
    "ExtensionCreate": {"days": 15, "reason": "整改所需标识设备尚在采购途中，企业书面申请延期"},
    "RectificationCreate": {"text": "已按批次重新标识成品库，并补建出厂检验台账。", "attachment_ids": [ATTACHMENT]},
    "ReinspectionCreate": {"visit_id": VISIT, "result": "pass", "note": "复查确认已按批次标识，记录可追溯"},
    "RefusalCreate": {"refused_on": "2026-06-20", "note": "企业负责人拒绝在整改通知书上签字，拒不整改"},
    "CaseCreate": {
        "case_no": "塔市监立〔2026〕17号",
        "filed_on": "2026-07-02",
        "officer": "张海涛",
        "note": "移送稽查部门立案查处",
    },
    "RiskListEntryCreate": {
        "enterprise_id": ENTERPRISE,
        "problem": "出厂检验项目不全，3批次未检验安定性即出厂",
        "cause_analysis": "化验室人员不足，检验排程滞后",
        "measures": "增配化验员两名，实行出厂检验签字放行",
    },
    "RiskListEntryUpdate": {
        "measures": "增配化验员两名，出厂检验签字放行，每月报送检验台账",
        "reported_to_prefecture_at": "2026-06-30T10:00:00+08:00",
    },
    "RiskListReview": {"note": "整改措施已落实，建议继续列入清单观察一个季度"},
    "PlanCreate": {"year": 2026},
    "PlanItemCreate": {"enterprise_id": ENTERPRISE, "required_visits": 2, "reason": "群众投诉较多，增列检查"},
    "PlanItemUpdate": {"required_visits": 3, "reason": "抽检不合格，按规定增加检查频次"},
    "DrawPoolCreate": {
        "county_code": "654201",
        "count": 5,
        "cross_inspection": False,
        "exclusions": [{"enterprise_id": ENTERPRISE, "reason": "本年度已停产"}],
        "due_from": "2026-06-01",
        "due_until": "2026-09-30",
    },
    "DrawSeed": {"seed": 20260601, "seed_source": "2026年6月1日福利彩票3D开奖号码"},
    "DrawCreate": {
        "county_code": "654202",
        "count": 4,
        "ratio_by_class": {"C": 0.5, "D": 1.0},
        "cross_inspection": True,
        "due_from": "2026-06-01",
        "due_until": "2026-09-30",
    },
    "ClassSuggestionAccept": {
        "items": [{"enterprise_id": ENTERPRISE, "risk_class": "C", "reason": "上年度抽检不合格，按规则上调"}]
    },
    "EnterpriseCreate": {
        "credit_code": CREDIT_CODE,
        "name": "塔城恒通水泥有限公司",
        "county_code": "654201",
        "address": "塔城市工业园区建材路8号",
        "legal_representative": "王建国",
        "industry": "建材",
        "main_products": "通用硅酸盐水泥",
        "risk_class": "C",
        "status": "operating",
        "key_product": True,
        "contact_person": "李春华",
        "contact_phone": "0901-6221234",
    },
    "EnterpriseUpdate": {"address": "塔城市工业园区建材路10号", "contact_phone": "0901-6225678"},
    "SignalCreate": {
        "kind": "complaint",
        "occurred_on": "2026-04-18",
        "source": "12315投诉举报平台",
        "note": "消费者反映所购水泥强度不足",
        "substantiated": None,
    },
    "LicenceCreate": {
        "licence_no": "新XK13-201-00315",
        "product_category": "水泥",
        "issued_on": "2024-03-15",
        "expires_on": "2029-03-14",
        "status": "valid",
        "source": "manual",
    },
    "LicenceUpdate": {"expires_on": "2034-03-14", "status": "valid"},
    "LicencePush": {
        "credit_code": CREDIT_CODE,
        "product_category": "水泥",
        "issued_on": "2024-03-15",
        "expires_on": "2029-03-14",
        "status": "valid",
    },
    "LicenceSyncBatch": {
        "rows": [
            {
                "licence_no": "新XK13-201-00315",
                "credit_code": CREDIT_CODE,
                "product_category": "水泥",
                "issued_on": "2024-03-15",
                "expires_on": "2029-03-14",
                "status": "valid",
            }
        ]
    },
    "ReportCreate": {"year": 2026, "period": "h1", "county_code": "654201", "note": "上半年检查情况，已经局长审签"},
    "FollowUpUpdate": {"origin": "local", "reason": "抽检任务来源登记有误，实为本级抽检"},
    "FollowUpStepCreate": {"kind": "notified", "on": "2026-05-20", "note": "已向企业送达检验结论"},
    "DisclosureCreate": {
        "year": 2026,
        "period": "h1",
        "review_note": "经分管领导审核，同意公示",
    },
    "DisclosureWithdraw": {"reason": "企业提出异议，复核期间暂停公示"},
    "PublicityActivityCreate": {
        "campaign": "quality_month",
        "title": "2026年塔城市“质量月”企业质量安全宣传",
        "held_on": "2026-09-15",
        "description": "走进工业园区宣讲产品质量安全主体责任",
        "media_adopted": True,
        "media_outlet": "塔城日报",
        "media_level": "prefecture",
        "media_url": "https://www.tcrb.example.cn/2026/0916/quality.html",
        "county_code": "654201",
    },
    "WebhookSubscriptionCreate": {
        "url": "https://licensing.xj.example.gov.cn/hooks/zhijian",
        "event_types": ["cn.zhijian.enterprise.created", "cn.zhijian.licence.changed"],
        "description": "许可系统接收台账与许可证变更",
    },
    "WebhookSubscriptionUpdate": {"event_types": ["cn.zhijian.licence.changed"], "is_active": True},
    "InvitationAccept": {
        "code": "K7Q2M9X4T8W3R6P5",
        "username": "tcs_ent2",
        "full_name": "李红梅",
        "password": "Jianguo@Quality2026",
    },
    "SelfCheckCreate": {
        "day": "2026-05-01",
        "form": {
            "kind": "monthly",
            "meeting_held_on": "2026-05-01",
            "open_hazards": 1,
            "summary": "质量安全总监主持月调度会，通报本月排查的隐患一项，已安排整改",
        },
        "note": "会议纪要见附件",
        "file_ids": [],
    },
    "RectificationReportCreate": {"text": "已重新印制标签并加注执行标准编号，库存产品已全部更换标签。", "file_ids": []},
    "ReturnCreate": {"reason": "整改照片未显示执行标准编号，请补充"},
    "ExtensionRequestCreate": {"days": 15, "reason": "标签需重新印制，供货周期较长"},
    "RefusalReason": {"reason": "整改内容简单，期限内可以完成"},
}
