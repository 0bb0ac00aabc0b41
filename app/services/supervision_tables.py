"""The supervisor's three tables — late tasks, compliance, escalations — as rows under Chinese headers."""

from app.domain.actors import Actor
from app.domain.roles import ROLE_NAMES

from .compliance import TownshipCompliance, compliance
from .exports import Percent, Table, local_text
from .runtime import Runtime
from .supervision import LateTask, case_versions, late_tasks, list_escalations
from .vocabulary import Vocabulary, vocabulary

ESCALATION_STATES = {"OPEN": "待处理", "ACKNOWLEDGED": "已签收", "CLOSED": "已关闭"}


def tasks_table(items: list[LateTask], words: Vocabulary, due_soon: bool = False) -> Table:
    headers = ["业务编号", "乡镇（街道）", "业务", "环节", "办理岗位", "办理人", "到期时间", "逾期工作日"]
    rows = [[i.task.business_key, i.township, words.process(i.task.definition_key),
             words.step(i.task.definition_key, i.task.activity_id, i.task.definition_id),
             "、".join(ROLE_NAMES.get(g, g) for g in i.task.candidate_groups), words.person(i.task.assignee),
             local_text(i.task.due), i.workdays_overdue]
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
        rows.append([t.name, t.accepted, t.investigation.due, t.investigation.on_time, _percent(t.investigation.share),
                     t.decision.due, t.decision.on_time, _percent(t.decision.share)] + [medians.get(s) for s in steps])
    return Table("compliance", "时限达标情况", headers, rows)


def _percent(share: float | None) -> Percent | None:
    return None if share is None else Percent(share)


def escalations_table(rows, words: Vocabulary, versions: dict[str, str]) -> Table:
    """The escalations, each step named as its case's version names it (`versions`: case id -> definition id)."""
    headers = ["业务编号", "业务", "超时环节", "期限", "产生时间", "状态", "跟进人", "处理意见", "处理人", "处理时间"]
    return Table("escalations", "督办记录", headers, [
        [e.business_key, words.process(e.definition_key),
         words.step(e.definition_key, e.activity_id, versions.get(e.process_instance_id)),
         words.step(e.definition_key, e.timer_activity_id, versions.get(e.process_instance_id)), local_text(e.created),
         ESCALATION_STATES.get(e.state, e.state), words.person(e.assignee), e.comment, words.person(e.updated_by),
         local_text(e.updated)]
        for e in rows])


def supervision_table(rt: Runtime, actor: Actor, table: str, params: dict) -> Table:
    """Build one of the tables by name: tasks, compliance or escalations."""
    if table == "tasks":
        return tasks_table(late_tasks(rt, actor, params)[0], vocabulary(rt), params.get("state") == "due_soon")
    if table == "compliance":
        return compliance_table(compliance(rt, actor, params))
    return escalations_export(rt, list_escalations(rt, actor, params.get("state")))


def escalations_export(rt: Runtime, rows: list) -> Table:
    """The escalations as a table, each step named as its case's version names it."""
    return escalations_table(rows, vocabulary(rt), case_versions(rt, {e.process_instance_id for e in rows}))
