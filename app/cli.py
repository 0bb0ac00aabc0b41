"""flask commands: deploy the workflows, load the demo organisation."""

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.cli_history import register_history_commands
from app.cli_supervision import register_deadline_commands
from app.domain.actors import SYSTEM
from app.extensions import runtime
from app.services.audit import count_cases
from app.services.calendar import load_year, parse_year
from app.services.deploy import deploy
from app.services.payroll.ledger import ArchivedHeads, verify_payment_ledgers
from app.services.users import load_demo
from app.services.verification import VerificationRun, verify_cases

ROOT = Path(__file__).parent.parent
DEPLOYED_FOLDERS = tuple(ROOT / name for name in ("workflows", "forms", "notices"))


def deploy_directory(runtime, *folders: Path) -> list[str]:
    """Deploy every .bpmn/.dmn/.form/.notice file in the folders; unchanged files make no new version."""
    files = {p.name: p.read_bytes() for folder in folders for p in sorted(folder.iterdir())
             if p.suffix in (".bpmn", ".dmn", ".form", ".notice")}
    result = deploy(runtime, SYSTEM, "workflows", files, source="cli", changed_only=True)
    return [d.id for d in result.definitions] + [f.id for f in result.forms] + [t.id for t in result.templates]


def register(app: Flask) -> None:
    register_deadline_commands(app)
    register_history_commands(app)

    @app.cli.command("deploy")
    @click.option("--dir", "folders", multiple=True, type=click.Path(exists=True, file_okay=False))
    def deploy_command(folders):
        """Deploy workflows/, forms/ and notices/ (or the given folders)."""
        paths = [Path(f) for f in folders] or list(DEPLOYED_FOLDERS)
        deployed = deploy_directory(runtime(), *paths)
        click.echo(f"deployed {len(deployed)} new definition(s)/form(s)" + "".join(f"\n  {d}" for d in deployed))

    @app.cli.command("calendar-load")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def calendar_load_command(path):
        """Load a year of holidays and 调休 days from a JSON file; recompute provisional deadlines."""
        loaded = load_year(runtime(), SYSTEM, parse_year(Path(path).read_bytes()),
                           source=Path(path).name, budget_seconds=float("inf"))
        click.echo(f"{loaded.year}: {loaded.holidays} holidays, {loaded.workdays} make-up working days; "
                   f"{loaded.recompute.tasks} provisional task deadline(s), "
                   f"{loaded.recompute.jobs} timer(s) recomputed"
                   + ("" if loaded.recompute.finished else "; the scheduler recomputes the rest"))

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
        rt = runtime()
        run = VerificationRun(current_app.config["AUDIT_KEY"].encode(), full=full, processes=processes,
                              rehash_every=rehash_every)
        with click.progressbar(verify_cases(rt, SYSTEM, run), length=count_cases(rt, SYSTEM),
                               label="verifying cases") as verdicts:
            failures = [v for v in verdicts if not v.ok]
        for v in failures:
            click.echo(f"FAILED {v.case_id} at event {v.first_bad_event}: {v.problem}")
        click.echo(f"{len(failures)} case(s) failed verification")
        archives = ArchivedHeads(Path(archive_dir or current_app.config["HISTORY_ARCHIVE_DIR"]),
                                 current_app.config["AUDIT_KEY"].encode())
        ledgers = verify_payment_ledgers(rt, SYSTEM, archives)
        for v in ledgers:
            if not v.ok:
                click.echo(f"FAILED payment ledger {v.county_path} at entry {v.seq}: {v.problem}")
        bad_ledgers = sum(not v.ok for v in ledgers)
        click.echo(f"{len(ledgers)} payment ledger(s) checked, {bad_ledgers} failed verification")
        raise SystemExit(1 if failures or bad_ledgers else 0)

    audit_group = AppGroup("audit", help="Audit case histories.")
    audit_group.add_command(audit_verify_command, "verify")  # `flask audit verify` = `flask audit-verify`
    app.cli.add_command(audit_group)

    @app.cli.command("camunda-table")
    def camunda_table():
        """Print the README's table of Camunda's REST operations and those served."""
        from app.api.camunda_table import markdown_table

        click.echo(markdown_table(app))

    @app.cli.command("demo")
    def demo_command():
        """Load the demo county, townships, villages and users (DEMO=1 only: their password is public)."""
        if not current_app.config["DEMO"]:
            raise click.ClickException("flask demo 只能在演示模式（DEMO=1）下运行：演示用户的密码是公开的")
        created = load_demo(runtime(), current_app.config["DEMO_PASSWORD"])
        click.echo(f"demo organisation ready ({created} user(s) created)")
