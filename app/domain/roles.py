"""The roles (candidate groups) of the organisation and their names, as pages and the identity API show them."""

ROLE_NAMES = {
    "window": "受理窗口", "investigator": "调查员", "verifier": "核对机构", "village": "村(居)委会",
    "township_reviewer": "镇街审核", "county_reviewer": "县民政局", "finance": "财政发放",
    "supervisor": "督导", "auditor": "审计", "designer": "流程设计", "hotline": "热线与网格",
    "dept_medical": "医保部门", "dept_education": "教体部门", "dept_housing": "住建部门", "dept_employment": "人社部门",
    "dept_legal": "司法部门", "dept_emergency": "应急部门", "dept_disability": "残联", "charity": "慈善/社会组织",
}
