"""Org units as materialised paths: a user sees what lies at or below their unit."""

from dataclasses import dataclass


@dataclass(frozen=True)
class OrgScope:
    """The part of the organisation tree a user may see, e.g. '/sfx/cg/'."""

    path: str

    def covers(self, other_path: str) -> bool:
        return other_path.startswith(self.path)

    @property
    def like_pattern(self) -> str:
        return self.path + "%"


def child_path(parent_path: str, code: str) -> str:
    """Return the path of unit `code` under `parent_path`."""
    return f"{parent_path}{code}/" if parent_path else f"/{code}/"


def tenant_of(org_path: str) -> str | None:
    """The county (Camunda's tenant id) of a unit: the first segment of its path; None for the province ('/')."""
    head = org_path.strip("/").split("/", 1)[0]
    return head or None


SHARED_VERSIONS = "省级共享"  # whose a deployment without a county is


def version_words(county_name: str | None, version: int) -> str:
    """Which version of a process and whose, in the staff's words: 示范县第 2 版, 省级共享第 1 版 (county_name None:
    the province's shared version)."""
    return f"{county_name or SHARED_VERSIONS}第 {version} 版"
