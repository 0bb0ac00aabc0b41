"""Build a run's lines from the payment facts: set-based SQL, the roll never passes through Python.

A regular run for month M pays each household in payment its amount in force in M; every run
also pays what is still owed for an earlier month whose regular roll froze without it (补发): a
household approved or set up after that roll was built, an amount raised back to an earlier
month (a new standard), a line held for want of a valid account or refused by the bank. What is
owed for a month is its amount in force less what frozen rolls sent for it and the bank did not
refuse, so no month is ever paid twice, whichever run pays it.
"""

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.domain.orgs import tenant_of
from app.domain.payroll import shift_month
from app.store.tables import PayrollRun

_AMOUNT_AT = """(SELECT c.amount_fen FROM benefit_change c WHERE c.process_instance_id = {case}
                 AND c.tenant_id = :tenant AND c.effective_month <= {month}
                 ORDER BY c.effective_month DESC, c.id DESC LIMIT 1)"""

_COLUMNS = ("run_id, seq, process_instance_id, definition_key, township_path, month, kind, amount_fen, previous_fen, "
            "status, flags, applicant_name, id_number, bank_account, account_problem, tenant_id")

_STATUS = "CASE WHEN {b}.account_problem IS NULL THEN 'pay' ELSE 'held' END"
_ACCOUNT_FLAG = "CASE WHEN {b}.account_problem IS NULL THEN '' ELSE 'account,' END"

# the amount each household of the county has in force in :month: its latest change from that month or before,
# found for all households at once (one pass over the changes, no lookup per household)
_IN_FORCE = """(SELECT process_instance_id, amount_fen FROM
                 (SELECT process_instance_id, amount_fen, ROW_NUMBER() OVER (
                     PARTITION BY process_instance_id ORDER BY effective_month DESC, id DESC) AS latest
                  FROM benefit_change WHERE benefit_change.tenant_id = :tenant AND county_path = :county
                    AND effective_month <= :month) c
                 WHERE latest = 1)"""

REGULAR = text(f"""
INSERT INTO payroll_line ({_COLUMNS})
SELECT :run_id, ROW_NUMBER() OVER (ORDER BY b.township_path, b.process_instance_id), b.process_instance_id,
       b.definition_key, b.township_path, :month, 'regular', a.amount_fen, p.amount_fen, {_STATUS.format(b="b")},
       CASE WHEN CAST(:prev_run AS INTEGER) IS NOT NULL AND p.id IS NULL THEN 'new,' ELSE '' END
       || CASE WHEN p.amount_fen IS NOT NULL AND p.amount_fen <> a.amount_fen THEN 'changed,' ELSE '' END
       || {_ACCOUNT_FLAG.format(b="b")},
       b.applicant_name, b.id_number, b.bank_account, b.account_problem, :tenant
FROM benefit b
JOIN {_IN_FORCE} a ON a.process_instance_id = b.process_instance_id
LEFT JOIN payroll_line p ON p.run_id = CAST(:prev_run AS INTEGER) AND p.process_instance_id = b.process_instance_id
                        AND p.kind = 'regular' AND p.tenant_id = :tenant
WHERE b.tenant_id = :tenant AND b.county_path = :county AND b.payment_from <= :month AND a.amount_fen > 0
""")

_UNPAID = ("(l.status = 'held' OR EXISTS (SELECT 1 FROM payment_ledger f WHERE f.line_id = l.id "
           "AND f.tenant_id = :tenant AND f.entry = 'failed'))")

BACK_PAY = text(f"""
WITH past AS (SELECT month, facts_from FROM payroll_run
              WHERE county_path = :county AND number = 0 AND frozen_at IS NOT NULL AND month < :before),
cand AS (SELECT c.process_instance_id AS pid, p.month AS month FROM benefit_change c
         JOIN past p ON c.effective_month <= p.month AND c.recorded_at >= p.facts_from
         WHERE c.tenant_id = :tenant AND c.county_path = :county
         UNION
         SELECT l.process_instance_id, l.month FROM payroll_line l JOIN payroll_run r ON r.id = l.run_id
         WHERE l.tenant_id = :tenant AND r.county_path = :county AND r.frozen_at IS NOT NULL AND l.month < :before
           AND l.status = 'held'
         UNION
         SELECT f.process_instance_id, f.month FROM payment_ledger f
         WHERE f.tenant_id = :tenant AND f.county_path = :county AND f.entry = 'failed' AND f.month < :before),
owed AS (SELECT cand.pid, cand.month, {_AMOUNT_AT.format(case="cand.pid", month="cand.month")} AS due_fen,
                (SELECT COALESCE(SUM(l.amount_fen), 0) FROM payroll_line l JOIN payroll_run r ON r.id = l.run_id
                 WHERE l.process_instance_id = cand.pid AND l.tenant_id = :tenant AND l.month = cand.month
                   AND r.frozen_at IS NOT NULL AND NOT {_UNPAID}) AS paid_fen
         FROM cand)
INSERT INTO payroll_line ({_COLUMNS})
SELECT :run_id, :offset + ROW_NUMBER() OVER (ORDER BY b.township_path, b.process_instance_id, o.month),
       b.process_instance_id, b.definition_key, b.township_path, o.month, 'back_pay', o.due_fen - o.paid_fen, NULL,
       {_STATUS.format(b="b")}, 'back_pay,' || {_ACCOUNT_FLAG.format(b="b")},
       b.applicant_name, b.id_number, b.bank_account, b.account_problem, :tenant
FROM owed o JOIN benefit b ON b.process_instance_id = o.pid AND b.tenant_id = :tenant
WHERE o.due_fen - o.paid_fen > 0 AND o.month >= b.payment_from
""")

TOTALS = text("""SELECT count(*), COALESCE(SUM(amount_fen), 0),
                        COALESCE(SUM(CASE WHEN status = 'held' THEN amount_fen ELSE 0 END), 0)
                 FROM payroll_line WHERE run_id = :run_id AND tenant_id = :tenant""")


def previous_regular(session: Session, run: PayrollRun) -> int | None:
    """The frozen regular run of the month before, whose lines say what was paid last month."""
    return session.scalar(text("SELECT id FROM payroll_run WHERE county_path = :county AND month = :month "
                               "AND number = 0 AND frozen_at IS NOT NULL"),
                          {"county": run.county_path, "month": shift_month(run.month, -1)})


def write_lines(session: Session, run: PayrollRun) -> tuple[int, int, int]:
    """Replace the run's lines by the roll as the facts stand now; return (lines, total, held) in fen."""
    tenant = tenant_of(run.county_path)
    session.execute(text("DELETE FROM payroll_line WHERE run_id = :run_id AND tenant_id = :tenant"),
                    {"run_id": run.id, "tenant": tenant})
    regular, postgresql = 0, session.get_bind().dialect.name == "postgresql"
    if run.number == 0:
        if postgresql:  # a county's whole roll: hash joins and an in-memory sort, whatever the row estimates say
            session.execute(text("SET LOCAL work_mem = '256MB'"))
            session.execute(text("SET LOCAL enable_nestloop = off"))
        regular = session.execute(REGULAR, {"run_id": run.id, "month": run.month, "county": run.county_path,
                                            "prev_run": previous_regular(session, run),
                                            "tenant": tenant}).rowcount
        if postgresql:  # 补发 looks up a few households: index lookups again
            session.execute(text("SET LOCAL enable_nestloop = on"))
    before = run.month if run.number == 0 else shift_month(run.month, 1)  # a correction also owes its own month
    session.execute(BACK_PAY, {"run_id": run.id, "county": run.county_path, "before": before, "offset": regular,
                               "tenant": tenant})
    if postgresql:
        session.execute(text("ANALYZE payroll_line"))  # a roll adds up to a million rows: plan on what is there now
    lines, total, held = session.execute(TOTALS, {"run_id": run.id, "tenant": tenant}).one()
    return int(lines), int(total), int(held)
