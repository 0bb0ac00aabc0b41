"""Cases finished through the engine API, for the history clean-up to archive."""

import uuid

from tests.conftest import Api


def finished_case(client, key: str, window: str, business_key: str | None = None) -> str:
    """Start a case of `key` (a window_process: one task, the window's) as `window`, complete its task; its id."""
    api = Api(client, window)
    case = api.post(f"/process-definition/key/{key}/start",
                    {"businessKey": business_key or f"RT-{uuid.uuid4().hex[:8]}"}).json
    task = api.get("/task", processInstanceId=case["id"]).json[0]
    assert api.post(f"/task/{task['id']}/complete", {}).status_code == 204
    return case["id"]
