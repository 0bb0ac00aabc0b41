"""The authorization matrix: every endpoint under /engine-rest and /api, who may call it, and how org scope applies.

Roles come from `app.domain.actors.PERMISSIONS` (a permission name) or are listed here; the
README table is generated from this one (`python -m app.api.permissions`), and
tests/security/test_permission_matrix.py calls every endpoint as every role in the
user's own org and in another county, expecting success exactly where this table allows.
"""

from dataclasses import dataclass

from app.domain.actors import PERMISSIONS

PUBLIC = "public"  # no credentials needed
ANYONE = "anyone"  # every signed-in user
TASK_GROUP = "task_group"  # a candidate group of the task (the probe's task is offered to `window`)

TARGET = "target"  # a target in another org unit is 404
LISTING = "listing"  # the answer lists only what is inside the caller's org unit
GLOBAL = "global"  # not tied to an org unit


# roles whose users sit in a township: a county-wide resource (its settings) is outside their unit
TOWNSHIP_ROLES = frozenset({"window", "investigator", "township_reviewer", "village"})


@dataclass(frozen=True)
class Access:
    who: str | tuple[str, ...]  # permissions of PERMISSIONS, or PUBLIC / ANYONE / TASK_GROUP
    scope: str = TARGET
    note: str = ""
    county_wide: bool = False  # the target is a county: township users are outside it (404)
    refused_as: tuple[int, ...] = (403, 404)  # how a refused cell answers

    def roles(self) -> frozenset[str] | None:
        """The roles allowed, or None when every role is."""
        if self.who in (PUBLIC, ANYONE):
            return None
        names = (self.who,) if isinstance(self.who, str) else self.who
        return frozenset().union(*({"window"} if n == TASK_GROUP else PERMISSIONS[n] for n in names))

    def allows(self, role: str, scope: str) -> bool:
        roles = self.roles()
        if roles is not None and role not in roles:
            return False
        if self.county_wide and role in TOWNSHIP_ROLES:
            return False
        return scope == "own" or self.scope != TARGET


ER = "/engine-rest"
READ, HISTORY = "case.read", "history.read"
ENDPOINT_ACCESS: dict[tuple[str, str], Access] = {
    # the engine API: definitions and deployment
    ("GET", f"{ER}/version"): Access(PUBLIC, GLOBAL),
    ("GET", f"{ER}/openapi.json"): Access(PUBLIC, GLOBAL),
    ("POST", f"{ER}/deployment/create"): Access("deployment.create", GLOBAL),
    ("GET", f"{ER}/process-definition"): Access("definition.read", GLOBAL),
    ("GET", f"{ER}/process-definition/key/<key>"): Access("definition.read", GLOBAL),
    ("GET", f"{ER}/process-definition/key/<key>/xml"): Access("definition.read", GLOBAL),
    ("GET", f"{ER}/process-definition/count"): Access("definition.read", GLOBAL),
    **{("GET", f"{ER}/process-definition/{path}"): Access("definition.read", GLOBAL) for path in (
        "<definition_id>", "<definition_id>/xml", "<definition_id>/diagram", "key/<key>/diagram",
        "<definition_id>/startForm", "key/<key>/startForm", "<definition_id>/static-called-process-definitions",
        *(f"key/<key>/tenant-id/<tenant_id>{rest}" for rest in ("", "/xml", "/diagram", "/startForm")))},
    **{("GET", f"{ER}/decision-definition{path}"): Access("definition.read", GLOBAL) for path in (
        "", "/count", "/<definition_id>", "/key/<key>", "/<definition_id>/xml", "/key/<key>/xml",
        "/<definition_id>/diagram", "/key/<key>/diagram")},
    **{("POST", f"{ER}/decision-definition{path}/evaluate"): Access("decision.evaluate", GLOBAL)
       for path in ("/<definition_id>", "/key/<key>")},
    ("POST", f"{ER}/process-definition/<definition_id>/start"): Access("case.start", GLOBAL,
                                                                     "the case belongs to the starter's unit"),
    **{("GET", f"{ER}/deployment{path}"): Access("definition.read", GLOBAL) for path in (
        "", "/count", "/registered", "/<deployment_id>", "/<deployment_id>/resources",
        "/<deployment_id>/resources/<resource_id>", "/<deployment_id>/resources/<resource_id>/data")},
    ("DELETE", f"{ER}/deployment/<deployment_id>"): Access("deployment.create", GLOBAL,
                                                           "refused while any case ran on it"),
    ("GET", f"{ER}/engine"): Access(PUBLIC, GLOBAL),
    ("GET", f"{ER}/event-subscription"): Access(READ, LISTING),
    ("GET", f"{ER}/event-subscription/count"): Access(READ, LISTING),
    ("GET", f"{ER}/user"): Access(READ, LISTING, "the users of the caller's unit"),
    ("GET", f"{ER}/user/count"): Access(READ, LISTING),
    ("GET", f"{ER}/user/<user_id>/profile"): Access(READ),
    ("GET", f"{ER}/identity/groups"): Access(READ, LISTING, "a user outside the caller's unit shows no groups"),
    **{(method, f"{ER}/group{path}"): Access(READ, GLOBAL) for method, path in (
        ("GET", ""), ("POST", ""), ("GET", "/count"), ("POST", "/count"), ("GET", "/<group_id>"))},
    **{("POST", f"{ER}/process-definition/{path}/start"): Access("case.start", GLOBAL,
                                                                 "the case belongs to the starter's unit")
       for path in ("key/<key>", "key/<key>/tenant-id/<tenant_id>")},
    # cases
    ("GET", f"{ER}/process-instance"): Access(READ, LISTING),
    ("GET", f"{ER}/process-instance/<instance_id>"): Access(READ),
    ("GET", f"{ER}/process-instance/<instance_id>/variables"): Access(READ),
    ("POST", f"{ER}/process-instance/<instance_id>/variables"): Access("case.repair"),
    ("GET", f"{ER}/process-instance/<instance_id>/variables/<name>"): Access(READ),
    ("PUT", f"{ER}/process-instance/<instance_id>/variables/<name>"): Access("case.repair"),
    ("DELETE", f"{ER}/process-instance/<instance_id>/variables/<name>"): Access("case.repair"),
    ("GET", f"{ER}/process-instance/<instance_id>/variables/<name>/data"): Access(READ),
    ("POST", f"{ER}/process-instance/<instance_id>/variables/<name>/data"): Access("case.repair"),
    ("POST", f"{ER}/process-instance"): Access(READ, LISTING),
    ("GET", f"{ER}/process-instance/count"): Access(READ, LISTING),
    ("POST", f"{ER}/process-instance/count"): Access(READ, LISTING),
    ("GET", f"{ER}/process-instance/<instance_id>/activity-instances"): Access(READ),
    ("DELETE", f"{ER}/process-instance/<instance_id>"): Access("case.cancel"),
    ("POST", f"{ER}/process-instance/delete"): Access("case.cancel", note="a batch run before the answer"),
    ("PUT", f"{ER}/process-instance/<instance_id>/suspended"): Access("case.suspend"),
    ("POST", f"{ER}/process-instance/<instance_id>/modification"): Access("case.modify"),
    ("POST", f"{ER}/modification/execute"): Access("case.modify"),
    ("POST", f"{ER}/migration/generate"): Access("case.migrate", GLOBAL),
    ("POST", f"{ER}/migration/validate"): Access("case.migrate", GLOBAL),
    ("POST", f"{ER}/migration/execute"): Access("case.migrate"),
    ("POST", f"{ER}/migration/executeAsync"): Access("case.migrate", note="a batch run before the answer"),
    ("PUT", f"{ER}/process-instance/suspended"): Access("case.suspend", LISTING,
                                                        "cases outside the caller's unit are left alone"),
    **{("PUT", f"{ER}/process-definition/{path}"): Access("deployment.create", GLOBAL)
       for path in ("<definition_id>/suspended", "key/<key>/suspended", "key/<key>/tenant-id/<tenant_id>/suspended",
                    "suspended")},
    ("POST", f"{ER}/signal"): Access("message.correlate", LISTING,
                                     note="delivered only to the cases inside the caller's unit"),
    ("POST", f"{ER}/message"): Access("message.correlate", refused_as=(400, 403),
                                      note="a case in another unit is not waiting: 400 as Camunda's mismatch"),
    # tasks
    ("GET", f"{ER}/task"): Access(ANYONE, LISTING, "their groups' tasks (all in scope: `task.read_all`)"),
    ("GET", f"{ER}/task/count"): Access(ANYONE, LISTING),
    ("POST", f"{ER}/task"): Access(ANYONE, LISTING),
    ("GET", f"{ER}/task/report/candidate-group-count"): Access(ANYONE, LISTING),
    ("GET", f"{ER}/task/<task_id>/form"): Access(READ),
    ("GET", f"{ER}/task/<task_id>/deployed-form"): Access(READ),
    ("GET", f"{ER}/task/<task_id>/identity-links"): Access(READ),
    ("POST", f"{ER}/task/count"): Access(ANYONE, LISTING),
    **{("GET", f"{ER}/task/<task_id>/{path}"): Access(READ) for path in (
        "variables", "variables/<name>", "variables/<name>/data", "localVariables", "localVariables/<name>")},
    ("GET", f"{ER}/task/<task_id>"): Access(READ),
    ("GET", f"{ER}/task/<task_id>/form-variables"): Access(READ),
    ("POST", f"{ER}/task/<task_id>/claim"): Access(TASK_GROUP),
    ("POST", f"{ER}/task/<task_id>/unclaim"): Access((TASK_GROUP, "case.cancel"), note="or the assignee"),
    ("POST", f"{ER}/task/<task_id>/assignee"): Access(TASK_GROUP),
    ("POST", f"{ER}/task/<task_id>/complete"): Access(TASK_GROUP),
    ("POST", f"{ER}/task/<task_id>/submit-form"): Access(TASK_GROUP),
    ("POST", f"{ER}/task/<task_id>/bpmnError"): Access(TASK_GROUP),
    ("POST", f"{ER}/task/<task_id>/bpmnEscalation"): Access(TASK_GROUP),
    ("GET", f"{ER}/task/<task_id>/attachment"): Access(READ, note="also of a task that is done"),
    ("GET", f"{ER}/task/<task_id>/attachment/<attachment_id>"): Access(READ),
    ("GET", f"{ER}/task/<task_id>/attachment/<attachment_id>/data"): Access(READ),
    ("POST", f"{ER}/task/<task_id>/attachment/create"): Access(TASK_GROUP, note="an open task; or its assignee"),
    ("DELETE", f"{ER}/task/<task_id>/attachment/<attachment_id>"): Access(TASK_GROUP, note="an open task"),
    ("POST", f"{ER}/task/<task_id>/comment/create"): Access("task.comment"),
    ("POST", f"{ER}/task/<task_id>/identity-links"): Access("supervision.act",
                                                          note="a candidate group; an assignee as POST …/assignee"),
    ("POST", f"{ER}/task/<task_id>/identity-links/delete"): Access(
        "supervision.act", note="a candidate group; the assignee as POST …/unclaim"),
    ("GET", f"{ER}/task/<task_id>/comment"): Access(READ),
    ("GET", f"{ER}/task/<task_id>/comment/<comment_id>"): Access(READ),
    ("GET", f"{ER}/process-instance/<instance_id>/comment"): Access(READ),
    # a case as its own root execution
    **{(method, f"{ER}/execution{rest}"): Access(READ, LISTING)
       for method in ("GET", "POST") for rest in ("", "/count")},
    ("GET", f"{ER}/execution/<execution_id>"): Access(READ),
    **{("GET", f"{ER}/execution/<execution_id>/localVariables{rest}"): Access(READ)
       for rest in ("", "/<name>", "/<name>/data")},
    **{(method, f"{ER}/execution/<execution_id>/localVariables{rest}"): Access("case.repair")
       for method, rest in (("POST", ""), ("PUT", "/<name>"), ("DELETE", "/<name>"), ("POST", "/<name>/data"))},
    ("GET", f"{ER}/execution/<execution_id>/messageSubscriptions/<message>"): Access(READ),
    ("POST", f"{ER}/execution/<execution_id>/messageSubscriptions/<message>/trigger"): Access("message.correlate"),
    # external tasks (the matching system)
    ("POST", f"{ER}/external-task/fetchAndLock"): Access("external_task.work", LISTING),
    ("POST", f"{ER}/external-task/<task_id>/complete"): Access("external_task.work"),
    ("POST", f"{ER}/external-task/<task_id>/failure"): Access("external_task.work"),
    ("POST", f"{ER}/external-task/<task_id>/bpmnError"): Access("external_task.work"),
    ("POST", f"{ER}/external-task/<task_id>/extendLock"): Access("external_task.work"),
    ("POST", f"{ER}/external-task/<task_id>/unlock"): Access("external_task.work"),
    ("POST", f"{ER}/external-task/<task_id>/lock"): Access("external_task.work"),
    ("GET", f"{ER}/external-task"): Access(READ, LISTING),
    ("POST", f"{ER}/external-task"): Access(READ, LISTING),
    ("GET", f"{ER}/external-task/count"): Access(READ, LISTING),
    ("POST", f"{ER}/external-task/count"): Access(READ, LISTING),
    ("GET", f"{ER}/external-task/topic-names"): Access(READ, LISTING),
    ("GET", f"{ER}/external-task/<task_id>"): Access(READ),
    ("GET", f"{ER}/external-task/<task_id>/errorDetails"): Access(READ),
    ("PUT", f"{ER}/external-task/<task_id>/retries"): Access("external_task.operate"),
    ("PUT", f"{ER}/external-task/retries"): Access("external_task.operate"),
    ("PUT", f"{ER}/external-task/<task_id>/priority"): Access("external_task.operate"),
    # timers and incidents
    ("GET", f"{ER}/job"): Access(READ, LISTING),
    ("POST", f"{ER}/job"): Access(READ, LISTING),
    ("GET", f"{ER}/job/count"): Access(READ, LISTING),
    ("POST", f"{ER}/job/count"): Access(READ, LISTING),
    ("POST", f"{ER}/job/<job_id>/execute"): Access("job.operate"),
    ("PUT", f"{ER}/job/<job_id>/duedate"): Access("job.operate"),
    ("PUT", f"{ER}/job/<job_id>/retries"): Access("job.operate"),
    ("GET", f"{ER}/incident"): Access(READ, LISTING),
    ("GET", f"{ER}/incident/count"): Access(READ, LISTING),
    ("GET", f"{ER}/incident/<incident_id>"): Access(READ),
    ("GET", f"{ER}/job/<job_id>"): Access(READ),
    ("GET", f"{ER}/job/<job_id>/stacktrace"): Access(READ),
    # history
    ("GET", f"{ER}/history/process-instance"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/process-instance/<instance_id>"): Access(HISTORY),
    ("GET", f"{ER}/history/activity-instance"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/task"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/variable-instance"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/activity-instance/<activity_id>"): Access(HISTORY),
    ("GET", f"{ER}/history/variable-instance/<variable_id>"): Access(HISTORY),
    ("GET", f"{ER}/history/variable-instance/<variable_id>/data"): Access(HISTORY),
    **{(method, f"{ER}/history/{name}{rest}"): Access(HISTORY, LISTING)
       for name in ("process-instance", "activity-instance", "task", "variable-instance")
       for method, rest in (("POST", ""), ("GET", "/count"), ("POST", "/count"))},
    ("GET", f"{ER}/history/user-operation"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/incident"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/incident/count"): Access(HISTORY, LISTING),
    **{(method, f"{ER}/history/job-log{rest}"): Access(HISTORY, LISTING)
       for method in ("GET", "POST") for rest in ("", "/count")},
    ("GET", f"{ER}/history/job-log/<log_id>"): Access(HISTORY),
    ("GET", f"{ER}/history/job-log/<log_id>/stacktrace"): Access(HISTORY),
    ("GET", f"{ER}/history/detail"): Access(HISTORY, LISTING),
    ("POST", f"{ER}/history/detail"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/detail/count"): Access(HISTORY, LISTING),
    ("GET", f"{ER}/history/detail/<detail_id>"): Access(HISTORY),
    ("GET", f"{ER}/history/user-operation/count"): Access(HISTORY, LISTING),
    # the service's own API
    ("GET", "/api/counties/<county>/settings"): Access(READ, county_wide=True),
    ("GET", "/api/cases/<case_id>/notices"): Access(READ, note="whole or masked as the case data"),
    ("GET", "/api/cases/<case_id>/notices/<notice_id>/pdf"): Access(READ, note="whole or masked as the case data"),
    ("PUT", "/api/counties/<county>/settings/<key>"): Access("deployment.create"),
    ("GET", "/api/calendar/<int:year>"): Access(READ, GLOBAL),
    ("PUT", "/api/calendar/<int:year>"): Access("deployment.create", GLOBAL),
    ("GET", "/api/calendar/closures"): Access(READ, LISTING),
    ("POST", "/api/calendar/closures"): Access("deployment.create"),
    ("DELETE", "/api/calendar/closures/<int:closure_id>"): Access("deployment.create"),
    ("GET", "/api/calendar/recomputes/<int:recompute_id>"): Access("deployment.create"),
    ("GET", "/api/supervision/tasks"): Access("supervision.read", LISTING),
    ("GET", "/api/supervision/compliance"): Access("supervision.read", LISTING),
    ("GET", "/api/supervision/escalations"): Access("supervision.read", LISTING),
    ("POST", "/api/supervision/escalations/<int:escalation_id>"): Access("supervision.act"),
    ("GET", "/api/audit/verify"): Access("audit.verify", LISTING),
    ("GET", "/api/audit/cases/<case_id>/verify"): Access("audit.verify"),
    ("GET", "/api/audit/cases/<case_id>/events"): Access("audit.verify"),
    ("GET", "/api/audit/cases/<case_id>/events/<seq>/state"): Access("audit.verify"),
    ("GET", "/api/audit/cases/<case_id>/rebaselines"): Access("audit.verify"),
    ("GET", "/api/audit/access-log"): Access("audit.verify", LISTING),
    ("GET", "/api/audit/archived-cases"): Access("audit.verify", LISTING),
    ("GET", "/api/households/<id_number>/findings"): Access("finding.read", LISTING),
    ("GET", "/api/payroll/runs"): Access("payroll.read", LISTING),
    ("POST", "/api/payroll/runs"): Access("payroll.run", county_wide=True,
                                          note="a county (`county`) outside the caller's unit is 404"),
    ("GET", "/api/payroll/runs/<int:run_id>"): Access("payroll.read"),
    ("GET", "/api/payroll/runs/<int:run_id>/lines"): Access(
        "payroll.read", note="personal data masked but for finance; format=csv|xlsx (the bank file): finance"),
    ("GET", "/api/payroll/runs/<int:run_id>/roster.pdf"): Access("payroll.read",
                                                                 note="copy=finance (whole): finance only"),
    ("POST", "/api/payroll/runs/<int:run_id>/bank-result"): Access("payroll.run"),
    ("POST", "/api/payroll/standards/preview"): Access("standard.preview", county_wide=True),
    ("POST", "/api/payroll/standards"): Access("deployment.create", county_wide=True),
    ("GET", "/api/cases/<case_id>/payments"): Access((READ, "payroll.read")),
    ("POST", "/api/tokens"): Access("token.manage", GLOBAL, "a token acts as its owner"),
    ("GET", "/api/tokens"): Access("token.manage", LISTING, "the caller's own tokens"),
    ("DELETE", "/api/tokens/<int:token_id>"): Access("token.manage", note="another user's token is 404"),
}


def markdown_table() -> str:
    """Render the matrix as the README's table."""
    lines = ["| method | endpoint | who | other org |", "|---|---|---|---|"]
    scope_text = {TARGET: "404", LISTING: "left out of the list", GLOBAL: "—"}
    for (method, rule), access in sorted(ENDPOINT_ACCESS.items(), key=lambda item: (item[0][1], item[0][0])):
        roles = access.roles()
        names = (access.who,) if isinstance(access.who, str) else access.who
        labels = {PUBLIC: "public", ANYONE: "every role", TASK_GROUP: "the task's candidate groups"}
        who = " + ".join(labels.get(n) or f"`{n}`" for n in names)
        if roles is not None and names != (TASK_GROUP,):
            who += ": " + ", ".join(sorted(roles - {"window"} if TASK_GROUP in names else roles))
        if access.county_wide:
            who += " (county users)"
        lines.append(f"| {method} | `{rule}` | {who}{' — ' + access.note if access.note else ''} "
                     f"| {scope_text[access.scope]} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
