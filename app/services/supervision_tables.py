"""The supervisor's three tables — late tasks, compliance, escalations — as rows under Chinese headers."""

from app.domain.actors import Actor

from .compliance import TownshipCompliance, compliance
from .exports import Table, local_text
from .runtime import Runtime
from .supervision import LateTask, late_tasks, list_escalations

ESCALATION_STATES = {"OPEN": "待处理", "ACKNOWLEDGED": "已签收", "CLOSED": "已关闭"}


def tasks_table(items: list[LateTask], due_soon: bool = False) -> Table:
    headers = ["业务编号", "乡镇（街道）", "流程", "环节", "环节标识", "候选组", "办理人", "到期时间", "逾期工作日"]
    rows = [[i.task.business_key, i.township, i.task.definition_key, i.task.name, i.task.activity_id,
             ",".join(i.task.candidate_groups), i.task.assignee, local_text(i.task.due), i.workdays_overdue]
            for i in items]
    return Table("due_soon" if due_soon else "overdue", "即将到期任务" if due_soon else "逾期任务", headers, rows)


def compliance_table(townships: list[TownshipCompliance]) -> Table:
    steps: dict[str, str] = {}
    for township in townships:
        steps.update({k: v for k, v in township.step_names.items() if k not in steps})
    headers = ["乡镇（街道）", "受理案件数", "应启动调查数", "3个工作日内启动数", "按时启动率",
               "应办结数", "时限内办结数", "按时办结率"] + [f"{name}（中位工作日）" for name in steps.values()]
    rows = []
    for t in townships:
        medians = t.step_medians()
        rows.append([t.name, t.accepted, t.investigation.due, t.investigation.on_time, t.investigation.share,
                     t.decision.due, t.decision.on_time, t.decision.share] + [medians.get(s) for s in steps])
    return Table("compliance", "时限达标情况", headers, rows)


def escalations_table(rows) -> Table:
    headers = ["业务编号", "流程", "超时环节", "定时器", "产生时间", "状态", "跟进人", "处理意见", "处理人", "处理时间"]
    return Table("escalations", "督办记录", headers, [
        [e.business_key, e.definition_key, e.activity_id, e.timer_activity_id, local_text(e.created),
         ESCALATION_STATES.get(e.state, e.state), e.assignee, e.comment, e.updated_by, local_text(e.updated)]
        for e in rows])


def supervision_table(rt: Runtime, actor: Actor, table: str, params: dict) -> Table:
    """Build one of the tables by name: tasks, compliance or escalations."""
    if table == "tasks":
        return tasks_table(late_tasks(rt, actor, params)[0], params.get("state") == "due_soon")
    if table == "compliance":
        return compliance_table(compliance(rt, actor, params))
    return escalations_table(list_escalations(rt, actor, params.get("state")))
