"""What the browser tests share besides their fixtures: where screenshots land and a tab's script errors."""

from pathlib import Path

ARTIFACTS = Path(__file__).parent.parent / "browser" / "artifacts"  # gitignored


def watch_errors(page) -> list[str]:
    """Collect uncaught script errors and Content-Security-Policy refusals of a tab."""
    seen: list[str] = []
    page.on("pageerror", lambda err: seen.append(str(err)))
    page.on("console", lambda msg: seen.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    return seen
