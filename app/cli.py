"""flask commands: deploy the workflows, load the demo organisation."""

from pathlib import Path

import click
from flask import Flask, current_app

from app.cli_audit import register_audit_commands
from app.cli_history import register_history_commands
from app.cli_supervision import register_deadline_commands
from app.domain.actors import SYSTEM
from app.extensions import runtime
from app.services.calendar import load_year, parse_year
from app.services.deploy import deploy
from app.services.users import load_demo

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
    register_audit_commands(app)

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
