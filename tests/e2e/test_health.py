"""Liveness and readiness for process supervisors and load balancers."""


def test_health_and_readiness(client):
    assert client.get("/health").json == {"status": "UP"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json["schema"] == ready.json["expected"]
