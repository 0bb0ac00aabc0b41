"""Who is acting, and the one table of what each role may do."""

from dataclasses import dataclass, field

from .errors import NotPermitted
from .orgs import OrgScope

# permission -> roles (candidate groups) holding it; the README reproduces this table.
PERMISSIONS: dict[str, frozenset[str]] = {
    "case.start": frozenset({"window", "village"}),
    "case.report": frozenset({"hotline", "window", "village"}),  # a message start: 主动发现 (网格, 12345)
    "finding.read": frozenset({"supervisor", "auditor", "county_reviewer"}),
    "case.read": frozenset({"window", "investigator", "verifier", "village", "township_reviewer",
                            "county_reviewer", "finance", "supervisor", "auditor", "designer"}),
    # attach a photo or a scan to a case itself (a task's worker attaches to their task)
    "attachment.add": frozenset({"window", "investigator", "village", "township_reviewer", "county_reviewer"}),
    "case.cancel": frozenset({"supervisor", "county_reviewer"}),
    # void (作废) an abandoned application: the window before it was accepted, a supervisor at any time
    "case.void": frozenset({"window", "supervisor"}),
    "case.void_accepted": frozenset({"supervisor"}),
    "case.suspend": frozenset({"supervisor", "county_reviewer", "designer"}),  # suspend and activate cases
    "message.correlate": frozenset({"window", "village", "investigator", "township_reviewer",
                                    "county_reviewer", "supervisor"}),
    "deployment.create": frozenset({"designer"}),
    "definition.read": frozenset({"window", "investigator", "verifier", "village", "township_reviewer",
                                  "county_reviewer", "finance", "supervisor", "auditor", "designer"}),
    # evaluate a deployed decision table on given inputs (POST /decision-definition/…/evaluate): who writes rules
    # and who checks how they decide
    "decision.evaluate": frozenset({"designer", "supervisor"}),
    "external_task.work": frozenset({"verifier"}),
    "job.operate": frozenset({"supervisor", "designer"}),
    "external_task.operate": frozenset({"supervisor", "designer"}),  # new retries (resolving an incident), priority
    "case.repair": frozenset({"supervisor"}),  # change case variables to repair the cause of an incident
    # write a comment on a task (办理意见): who works on cases
    "task.comment": frozenset({"window", "investigator", "verifier", "village", "township_reviewer",
                               "county_reviewer", "finance", "supervisor"}),
    "case.modify": frozenset({"supervisor"}),  # move a stuck case to another step (process-instance modification)
    "case.migrate": frozenset({"supervisor", "designer"}),  # move running cases to another version of their process
    "task.read_all": frozenset({"supervisor", "auditor"}),
    "supervision.read": frozenset({"supervisor", "county_reviewer", "auditor"}),
    "audit.verify": frozenset({"auditor", "supervisor"}),
    # who sees 身份证, name, income and contact fields whole; everyone else sees them masked (app/domain/personal.py)
    "personal.unmasked": frozenset({"window", "investigator", "township_reviewer", "county_reviewer", "verifier"}),
    "supervision.act": frozenset({"supervisor"}),
    "token.manage": frozenset({"designer", "verifier"}),  # integrations: Modeler deploys, the matching system
    "payroll.run": frozenset({"finance"}),  # start payment runs, review them, the bank file, the bank's result
    "payroll.read": frozenset({"finance", "supervisor", "auditor"}),  # runs and lines (personal data masked)
    "standard.preview": frozenset({"designer", "finance"}),  # the impact of a new 低保 standard
    "history.read": frozenset({"window", "investigator", "village", "township_reviewer", "county_reviewer",
                               "finance", "supervisor", "auditor"}),
}

# messages a reporter sends to a waiting case: the permission they need instead of message.correlate
REPORTED_MESSAGES: dict[str, str] = {
    "household_report": "case.report",  # a tip-off on a paid household (窗口, 村居, 12345 热线) starts its re-check
}


@dataclass(frozen=True)
class Actor:
    username: str
    org_path: str
    groups: frozenset[str] = field(default_factory=frozenset)
    trusted: bool = False  # the service itself (scheduler, CLI): every permission, whole tree

    @property
    def scope(self) -> OrgScope:
        return OrgScope(self.org_path)

    def may(self, permission: str) -> bool:
        return self.trusted or bool(self.groups & PERMISSIONS[permission])

    def require(self, permission: str) -> None:
        if not self.may(permission):
            raise NotPermitted(f"用户 {self.username} 无权执行此操作（{permission}）")

    def may_work_on(self, org_path: str, candidate_groups: list[str], assignee: str | None) -> bool:
        """Return whether the actor may claim or complete a task with these attributes."""
        if not self.scope.covers(org_path):
            return False
        if assignee is not None:
            return assignee == self.username
        return bool(self.groups & set(candidate_groups))


SYSTEM = Actor("system", "/", frozenset(), trusted=True)
