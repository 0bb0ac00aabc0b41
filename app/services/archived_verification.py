"""An archived case verified from its archive file, as `flask history-verify-archive` verifies the whole file: the
file's signature, then the case's chain, notices, definition and a replay to its archived state."""

from dataclasses import dataclass
from pathlib import Path

from app.domain.actors import Actor
from app.domain.audit import AuditKeys
from app.domain.errors import NotFound, ValidationFailed

from .archived_cases import Archived, archived_in_scope
from .audit import Verdict
from .retention import verify_archive
from .runtime import Runtime


@dataclass(frozen=True)
class ArchivedVerdict:
    record: Archived
    verdict: Verdict
    path: Path  # where the file was looked for


def verify_archived_case(rt: Runtime, actor: Actor, case_id: str, folder: Path,
                         key: bytes | AuditKeys) -> ArchivedVerdict:
    """Verify the archived case `case_id` (in the actor's scope, else NotFound) from its file in `folder`. A file
    that is not there, or whose signature or lines do not hold, fails the case, naming the file: that is what the
    auditor has to know of it."""
    actor.require("audit.verify")
    with rt.reading() as uow:
        record = archived_in_scope(uow.session, actor, case_id)
    if record is None:
        raise NotFound(f"没有已归档的案件 {case_id}", field="caseId")
    if record.root_case_id is not None:
        raise ValidationFailed(f"流程实例 {case_id} 由案件 {record.root_case_id} 调用，随该案件记录在档案文件 "
                               f"{record.archive} 的同一行中：请校验案件 {record.root_case_id}", field="caseId")
    path = folder / Path(record.archive).name  # a name, as the clean-up records it: never a path out of `folder`
    if not path.is_file():
        return ArchivedVerdict(record, Verdict(case_id, False, 0, None, f"档案文件 {record.archive} 不在档案目录"
                                               f"（HISTORY_ARCHIVE_DIR）中：无法校验"), path)
    try:
        verdicts = verify_archive(rt, actor, path, key, case_id)
    except ValidationFailed as err:
        if err.field != "archive":
            raise
        return ArchivedVerdict(record, Verdict(case_id, False, 0, None, err.message), path)
    if not verdicts:  # a file of the right name whose signature holds, yet without the case: another run's
        return ArchivedVerdict(record, Verdict(case_id, False, 0, None, f"档案文件 {record.archive} 中没有案件 "
                                               f"{case_id} 的记录"), path)
    return ArchivedVerdict(record, verdicts[0], path)
