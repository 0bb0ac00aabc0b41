"""Deploy BPMN files as Camunda Modeler does (multipart POST /deployment/create)."""

import io
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

FIXTURES = Path(__file__).parent.parent / "fixtures"


def deploy_files(api, files: dict[str, str | bytes], name: str = "test"):
    data = {"deployment-name": name}
    for filename, content in files.items():
        raw = content if isinstance(content, bytes) else content.encode()
        data[filename] = FileStorage(io.BytesIO(raw), filename=filename)
    boundary, payload = encode_multipart(data)
    return api.client.post("/engine-rest/deployment/create", data=payload, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")


def deploy_fixture(api, filename: str):
    """Deploy tests/fixtures/`filename`; fail the test if it is refused."""
    response = deploy_files(api, {filename: (FIXTURES / filename).read_bytes()})
    assert response.status_code == 200, response.json
    return response.json
