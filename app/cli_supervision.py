"""flask commands for deadlines and supervision: local closure days and supervisor exports."""

import click
from flask import Flask

from app.domain.actors import SYSTEM
from app.domain.errors import DomainError
from app.extensions import runtime
from app.services.closures import add_closure, list_closures, remove_closure
from app.services.exports import export
from app.services.supervision_tables import supervision_table


def register_deadline_commands(app: Flask) -> None:
    @app.cli.command("calendar-closure")
    @click.argument("org")
    @click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
    @click.option("--reason", help="why the office is closed (required when adding)")
    @click.option("--remove", is_flag=True, help="withdraw the closure instead of adding it")
    def calendar_closure_command(org, day, reason, remove):
        """Close a county or township (by code) for one day, or --remove it; recompute open deadlines."""
        rt = runtime()
        try:
            if remove:
                found = [c for c in list_closures(rt, SYSTEM) if c.org == org and c.day == day.date()]
                if not found:
                    raise click.ClickException(f"no closure of {org} on {day.date()}")
                recomputed = remove_closure(rt, SYSTEM, found[0].id, budget_seconds=float("inf"))
            else:
                _, recomputed = add_closure(rt, SYSTEM, org, day.date(), reason or "", budget_seconds=float("inf"))
        except DomainError as err:
            raise click.ClickException(f"{err.field}: {err.message}") from err
        click.echo(f"{org} {day.date()}: {'removed' if remove else 'closed'}; {recomputed.tasks} task deadline(s), "
                   f"{recomputed.jobs} timer(s) recomputed" + ("" if recomputed.finished else
                                                             "; the scheduler recomputes the rest"))



    @app.cli.command("supervision-export")
    @click.option("--table", "table", type=click.Choice(["tasks", "compliance", "escalations"]), default="tasks")
    @click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx")
    @click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
    @click.option("--state", help="tasks: overdue (default) or due_soon; escalations: OPEN, ACKNOWLEDGED, CLOSED")
    @click.option("--township", help="township code (tasks, compliance)")
    @click.option("--process", help="process key (tasks; compliance defaults to dibao)")
    @click.option("--accepted-from", type=click.DateTime(formats=["%Y-%m-%d"]), help="compliance: accepted on or after")
    @click.option("--accepted-to", type=click.DateTime(formats=["%Y-%m-%d"]), help="compliance: accepted on or before")
    def supervision_export_command(table, fmt, out, state, township, process, accepted_from, accepted_to):
        """Export late tasks, compliance or escalations of the whole service as CSV or Excel."""
        params = {"state": state, "township": township, "process": process,
                  "acceptedFrom": accepted_from.date() if accepted_from else None,
                  "acceptedTo": accepted_to.date() if accepted_to else None}
        built = supervision_table(runtime(), SYSTEM, table, params)
        content, _, _ = export(built, fmt)
        with open(out, "wb") as file:
            file.write(content)
        click.echo(f"{len(built.rows)} row(s) written to {out}")
