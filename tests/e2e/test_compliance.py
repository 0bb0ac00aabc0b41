"""Per-township compliance, checked against figures worked out by hand on cases driven through the API.

Six 城关镇 低保 cases accepted in March 2026 (no holidays until 清明 4/4–4/6), looked at on Mon 4/20:

| case | accepted | home visit (due 3 wd)  | decided            | limit              |
|------|----------|------------------------|--------------------|--------------------|
| A    | Mon 3/2  | 3/4 (2 wd) in time     | 3/16 approved      | 30 wd → 4/14: in time |
| B    | Mon 3/2  | 3/6 (4 wd) late        | 3/6 refused (初审) | in time            |
| C    | Mon 3/2  | never: late            | not yet, past 4/14 | late               |
| D    | Mon 3/2  | 3/3 (1 wd) in time     | 4/20 after an objection | 45 wd → 5/8: in time |
| E    | Mon 3/2, township decides | 3/5 (3 wd) in time | 3/31 | 20 wd → 3/30: late |
| F    | Mon 3/30 | 4/1 (2 wd) in time     | not yet, limit in May | pending: left out |

Investigation: 4 of 6 in time; decision: 3 of 5; median home-visit time: [1, 2, 2, 3, 4] → 2 wd.
"""

import io
from datetime import UTC, datetime

from openpyxl import load_workbook

from tests.support.dibao_steps import Case

PERIOD = {"acceptedFrom": "2026-03-01", "acceptedTo": "2026-03-31", "township": "cg"}


def _at(clock, month: int, day: int, hour: int = 10) -> None:
    clock.set(datetime(2026, month, day, hour - 8, tzinfo=UTC))


def _to_publicity(case: Case, clock, day: int) -> None:
    _at(clock, 3, day)
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)


def _publicity_ends(case: Case, clock, decider: str, month: int, day: int) -> None:
    _at(clock, 3, 13)
    case.fire("publicity")
    _at(clock, month, day)
    if decider == "county_reviewer" and "county_home_visit" in case.activities():
        case.complete(decider, "county_home_visit", visitors="周九,吴十", visit_date="2026-04-20", findings="属实")
    case.complete(decider, "county_review", decision="approve", amount=1140.0)


def _delegated_case(login_as) -> Case:
    designer = login_as("designer")
    url = "/api/counties/sfx/settings/township_decides"
    assert designer.client.put(url, json={"value": True}, headers=designer.headers).status_code == 204
    try:
        return Case(login_as)
    finally:
        assert designer.client.put(url, json={"value": False}, headers=designer.headers).status_code == 204


def _seed(login_as, clock) -> None:
    """Drive the six cases; the matching system's calls go in clock order, so no lock outlives the clock."""
    _at(clock, 3, 2)
    a, b, c, d = (Case(login_as) for _ in range(4))
    e = _delegated_case(login_as)
    for case in (a, b, c, d, e):
        case.accept()
    _to_publicity(d, clock, 3)
    _at(clock, 3, 4)
    assert login_as("village_cg").post("/message", {"messageName": "publicity_objection",
                                                    "businessKey": d.business_key}).status_code == 204
    _to_publicity(a, clock, 4)
    _at(clock, 3, 5)
    d.complete("village_cg", "democratic_appraisal", participants="赵六,钱七,孙八", appraisal_result="support",
               appraisal_minutes="经评议，情况属实")
    d.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    _to_publicity(e, clock, 5)
    _at(clock, 3, 6)
    b.investigate()
    b.complete("reviewer_cg", "township_review", opinion="reject", reason="家庭人均收入高于当地低保标准")
    _publicity_ends(a, clock, "county_reviewer", 3, 16)
    _publicity_ends(e, clock, "reviewer_cg", 3, 31)
    _at(clock, 3, 30)
    f = Case(login_as)
    f.accept()
    _at(clock, 4, 1)
    f.investigate()
    _publicity_ends(d, clock, "county_reviewer", 4, 20)
    _at(clock, 4, 20, 12)
    assert [x.variables()["overall_limit"] for x in (a, c, d, e)] == [30, 30, 45, 20]


def _get(api, path, **params):
    return api.client.get(f"/api/supervision/{path}", query_string=params, headers=api.headers)


def test_compliance_per_township_matches_the_hand_computed_figures(login_as, clock):
    _seed(login_as, clock)
    supervisor = login_as("supervisor")
    body = _get(supervisor, "compliance", **PERIOD).json
    assert body["process"] == "dibao" and [t["township"] for t in body["townships"]] == ["cg"]
    cg = body["townships"][0]
    assert (cg["name"], cg["accepted"]) == ("城关镇", 6)
    assert (cg["investigationDue"], cg["investigationOnTime"], cg["investigationShare"]) == (6, 4, 0.6667)
    assert (cg["decisionDue"], cg["decidedOnTime"], cg["decisionShare"]) == (5, 3, 0.6)
    assert cg["stepMedianWorkdays"]["home_visit"] == 2 and cg["stepCounts"]["home_visit"] == 5
    everyone = _get(supervisor, "compliance", acceptedFrom="2026-03-01", acceptedTo="2026-03-31").json
    hd = next(t for t in everyone["townships"] if t["township"] == "hd")
    assert hd["accepted"] == 0 and hd["decisionShare"] is None
    _exports_carry_the_same_figures(supervisor)


def _exports_carry_the_same_figures(supervisor):
    response = _get(supervisor, "compliance", format="xlsx", **PERIOD)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "时限达标情况"
    assert rows[0][:8] == ("乡镇（街道）", "受理案件数", "应启动调查数", "3个工作日内启动数",
                           "按时启动率", "应办结数", "时限内办结数", "按时办结率")
    assert rows[1][:8] == ("城关镇", 6, 6, 4, 0.6667, 5, 3, 0.6)
    assert sheet["E2"].number_format == "0.0%"  # a share reads as a percentage in Excel too
    assert rows[1][rows[0].index("入户调查（中位工作日）")] == 2
    csv = _get(supervisor, "compliance", format="csv", **PERIOD).get_data(as_text=True)
    assert csv.startswith("\ufeff乡镇（街道）,受理案件数") and "城关镇,6,6,4,66.7%,5,3,60.0%" in csv


def test_compliance_is_for_supervisors_and_names_bad_parameters(login_as):
    assert _get(login_as("window_cg"), "compliance").status_code == 403
    supervisor = login_as("supervisor")
    for params, field in (({"process": "nothing"}, "process"), ({"township": "nowhere"}, "township"),
                          ({"acceptedFrom": "2026-02-30"}, "acceptedFrom"), ({"format": "pdf"}, "format")):
        response = _get(supervisor, "compliance", **params)
        assert response.status_code == 400 and response.json["field"] == field, (params, response.json)


def test_every_supervision_table_exports_to_excel_with_chinese_headers(login_as, clock, runner, tmp_path):
    case = Case(login_as)
    case.accept()
    clock.advance(days=14)  # home_visit (due 10/8) is overdue
    supervisor = login_as("supervisor")
    sheet = load_workbook(io.BytesIO(_get(supervisor, "tasks", format="xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "逾期任务" and rows[0][0] == "业务编号" and rows[0][-1] == "逾期工作日"
    assert any(r[0] == case.business_key and r[2:5] == ("最低生活保障（低保）", "入户调查", "调查员")
               for r in rows[1:]), rows
    sheet = load_workbook(io.BytesIO(_get(supervisor, "escalations", format="xlsx").data)).active
    assert sheet.title == "督办记录" and next(sheet.iter_rows(values_only=True))[:3] == ("业务编号", "业务", "超时环节")
    out = tmp_path / "overdue.xlsx"
    result = runner.invoke(args=["supervision-export", "--table", "tasks", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert any(r[0] == case.business_key for r in rows[1:])
    out = tmp_path / "compliance.csv"
    result = runner.invoke(args=["supervision-export", "--table", "compliance", "--format", "csv", "--out", str(out),
                                 "--township", "cg"])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8-sig").startswith("乡镇（街道）,受理案件数")
