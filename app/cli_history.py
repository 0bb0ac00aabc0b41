"""flask commands of history retention: archive and remove finished cases past their retention, verify an archive."""

from pathlib import Path

import click
from flask import Flask, current_app

from app.domain.actors import SYSTEM
from app.domain.errors import DomainError
from app.extensions import audit_keys, runtime
from app.services.partition_upkeep import keep_partitions
from app.services.retention import clean_up_history, verify_archive


def register_history_commands(app: Flask) -> None:
    @app.cli.command("history-cleanup")
    @click.option("--archive-dir", type=click.Path(file_okay=False), default=None,
                  help="Where to write the archive (default HISTORY_ARCHIVE_DIR).")
    @click.option("--county", default=None, help="Only this county's cases (its code).")
    def history_cleanup_command(archive_dir, county):
        """Archive every finished case past its historyTimeToLive (else its county's history_time_to_live_days)
        to a signed JSON-lines file, and remove it from the database."""
        folder = Path(archive_dir or current_app.config["HISTORY_ARCHIVE_DIR"])
        try:
            done = clean_up_history(runtime(), SYSTEM, audit_keys().current, folder, county)
        except DomainError as err:
            if err.field == "county":
                raise click.BadParameter(err.message, param_hint="'--county'") from err
            raise click.ClickException(err.message) from err
        if done.archive is None:
            click.echo("no finished case is past its retention")
            return
        click.echo(f"{done.archived} case(s) archived to {done.archive} and removed"
                   + (f"; {done.skipped} changed meanwhile, left for the next run" if done.skipped else "")
                   + (f"; {done.taken} archived and removed meanwhile by another run (see archived_case)"
                      if done.taken else "")
                   + (f"; emptied month partitions dropped: {', '.join(done.partitions_dropped)}"
                      if done.partitions_dropped else ""))

    @app.cli.command("partitions-ensure")
    @click.option("--ahead", type=click.IntRange(0, 120), default=3, show_default=True,
                  help="Months after this one to have partitions for.")
    def partitions_ensure_command(ahead):
        """Make the month partitions of case_event, history_activity, history_incident and access_log from this
        month to --ahead months on (PostgreSQL; the service also does it at startup and from its scheduler)."""
        made = keep_partitions(runtime(), ahead)
        click.echo(f"month partitions made: {', '.join(made)}" if made else "every month partition is there")

    @app.cli.command("history-verify-archive")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def history_verify_archive_command(path):
        """Verify a history archive: its signature, and every case in it from its lines; exit 1 if any fails."""
        try:
            verdicts = verify_archive(runtime(), SYSTEM, Path(path), audit_keys())
        except DomainError as err:
            raise click.ClickException(err.message) from err
        failures = [v for v in verdicts if not v.ok]
        for v in failures:
            click.echo(f"FAILED {v.case_id} at event {v.first_bad_event}: {v.problem}")
        retired = next((v.retired_key for v in verdicts if v.retired_key), None)
        click.echo(f"{len(verdicts)} archived case(s) checked, {len(failures)} failed verification"
                   + (f"; the file is signed with the retired audit key {retired}" if retired else ""))
        raise SystemExit(1 if failures else 0)

