"""flask commands of the audit: verify every case (the nightly run), name the audit keys, re-baseline a case."""

import getpass
import os
from collections import Counter
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.domain.actors import SYSTEM
from app.domain.audit import AuditKeys, key_id
from app.domain.errors import DomainError
from app.extensions import audit_keys, runtime
from app.services.audit import Verdict, count_cases
from app.services.payroll.ledger import ArchivedHeads, verify_payment_ledgers
from app.services.rebaseline import rebaseline_case
from app.services.verification import VerificationRun, verify_cases


def register_audit_commands(app: Flask) -> None:
    @app.cli.command("audit-verify")
    @click.option("--full", is_flag=True, help="Replay every event of every case, not only those after each "
                                              "case's signed checkpoint.")
    @click.option("--processes", type=click.IntRange(1, 64), default=os.cpu_count() or 1, show_default=True,
                  help="Verify in this many processes.")
    @click.option("--rehash-every", type=click.IntRange(1, 366), default=30, show_default=True,
                  help="Nights in which every unchanged case is verified in full once (a share each night).")
    @click.option("--archive-dir", type=click.Path(file_okay=False), default=None,
                  help="Where the history archives are (default HISTORY_ARCHIVE_DIR): an archived payroll case's "
                       "ledger head is read from its archive.")
    def audit_verify_command(full, processes, rehash_every, archive_dir):
        """Verify every case: its whole hash chain, its signed checkpoint, the definition used, and a replay of the
        events after the checkpoint (all of them with --full) to the stored state; exit 1 if any fails."""
        rt, keys = runtime(), audit_keys()
        run = VerificationRun(keys.current, full=full, processes=processes, rehash_every=rehash_every,
                              retired=keys.retired)
        with click.progressbar(verify_cases(rt, SYSTEM, run), length=count_cases(rt, SYSTEM),
                               label="verifying cases") as verdicts:
            failures = _report(verdicts, keys)
        archives = ArchivedHeads(Path(archive_dir or current_app.config["HISTORY_ARCHIVE_DIR"]), keys)
        ledgers = verify_payment_ledgers(rt, SYSTEM, archives)
        for v in ledgers:
            if not v.ok:
                click.echo(f"FAILED payment ledger {v.county_path} at entry {v.seq}: {v.problem}")
        bad_ledgers = sum(not v.ok for v in ledgers)
        click.echo(f"{len(ledgers)} payment ledger(s) checked, {bad_ledgers} failed verification")
        raise SystemExit(1 if failures or bad_ledgers else 0)

    audit_group = AppGroup("audit", help="Audit case histories.")
    audit_group.add_command(audit_verify_command, "verify")  # `flask audit verify` = `flask audit-verify`

    @audit_group.command("keys")
    def audit_keys_command():
        """Name the audit keys the service holds by their ids (never the keys): the current one, then the retired."""
        keys = audit_keys()
        click.echo(f"current {key_id(keys.current)}")
        for key in keys.retired:
            click.echo(f"retired {key_id(key)}")

    @audit_group.command("rebaseline")
    @click.argument("case_id")
    @click.option("--reason", required=True, help="What the investigation found: why the case is re-baselined.")
    @click.option("--by", default=None, help="Who re-baselines it (default: the OS user running the command).")
    def audit_rebaseline_command(case_id, reason, by):
        """Verify a case whole from its first event, without its old checkpoint, and only if it holds give it a new
        signed checkpoint; record who, when, the old checkpoint and the reason (audit_rebaseline). Exit 1 if not."""
        user = _os_user()
        try:
            done = rebaseline_case(runtime(), SYSTEM, case_id, audit_keys(), by if by is not None else user, user,
                                   reason)
        except DomainError as err:
            raise click.ClickException(err.message) from err
        old = f"checkpoint at event {done.old_seq}" if done.old_seq is not None else "no checkpoint"
        click.echo(f"case {done.case_id} verified whole and re-baselined: {old} replaced by a checkpoint at event "
                   f"{done.new_seq}")

    app.cli.add_command(audit_group)


def _report(verdicts, keys: AuditKeys) -> list[Verdict]:
    """Print the failures and the checkpoints signed again with the current key; return the failures."""
    failures, resigned = [], Counter[str]()
    for v in verdicts:
        if not v.ok:
            failures.append(v)
        elif v.retired_key is not None:
            resigned[v.retired_key] += 1
    for v in failures:
        click.echo(f"FAILED {v.case_id} at event {v.first_bad_event}: {v.problem}")
    click.echo(f"{len(failures)} case(s) failed verification")
    if resigned:
        click.echo(f"{resigned.total()} checkpoint(s) signed with a retired audit key signed again with the current "
                   f"key {key_id(keys.current)}: " + ", ".join(f"{n} of key {k}" for k, n in sorted(resigned.items())))
    return failures


def _os_user() -> str:
    """The account the command runs as."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no name for the uid (a container's): the uid itself
        return f"uid {os.getuid()}"
