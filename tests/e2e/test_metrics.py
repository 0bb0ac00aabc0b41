"""Prometheus metrics: what operations graphs and alerts read from /metrics."""

from prometheus_client.parser import text_string_to_metric_families

from tests.support.dibao_steps import Case


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for s in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_completion_and_a_fired_timer_show_in_the_metrics(client, login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    before = scrape(client)
    clock.advance(days=8)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    after = scrape(client)
    completions = "assistance_task_completions_total"
    assert value(after, completions, kind="user") == value(before, completions, kind="user") + 1
    assert value(after, "assistance_jobs_fired_total") == value(before, "assistance_jobs_fired_total") + 1
    assert value(after, "assistance_job_lag_seconds_count") == value(before, "assistance_job_lag_seconds_count") + 1
    # fired a day after its due time (the clock moved eight days over a seven-day publicity)
    lag_sum = value(after, "assistance_job_lag_seconds_sum") - value(before, "assistance_job_lag_seconds_sum")
    assert 0 < lag_sum <= 2 * 86400
    complete = {"method": "POST", "endpoint": "engine_rest.task.complete", "status": "204"}
    name = "assistance_http_request_duration_seconds_count"
    assert value(after, name, **complete) > value(before, name, **complete)
    assert ("assistance_open_incidents", ()) in after


def test_external_task_completions_are_counted_apart(client, login_as, clock):
    case = Case(login_as)
    case.accept()
    before = scrape(client)
    case.verify()
    after = scrape(client)
    name = "assistance_task_completions_total"
    assert value(after, name, kind="external") == value(before, name, kind="external") + 1
    assert value(after, name, kind="user") == value(before, name, kind="user")


def test_the_engine_cpu_of_a_command_is_counted_and_a_read_has_none(client, login_as, clock):
    case = Case(login_as)
    name = "assistance_engine_cpu_seconds_total"
    before = scrape(client)
    case.accept()  # reads the inbox, then completes 受理: the engine restores, runs and stores the case
    after = scrape(client)
    assert value(after, name) > value(before, name)
    login_as("window_cg").get("/task", processInstanceId=case.id)
    assert value(scrape(client), name) == value(after, name)


def test_the_cpu_of_each_request_is_counted_by_its_endpoint(client, login_as):
    """What a worker's CPU goes to, request by request: an inbox list, a claim (and not /metrics itself), counted
    when the server closes the answer, as every WSGI server does once it has sent it (the test client leaves that
    to the caller)."""
    case = Case(login_as)
    window = login_as("window_cg")
    name = "assistance_http_request_cpu_seconds_total"
    listing = {"method": "GET", "endpoint": "engine_rest.task.list_task"}
    claiming = {"method": "POST", "endpoint": "engine_rest.task.claim"}
    before = scrape(client)
    listed = window.get("/task", processInstanceId=case.id)
    listed.close()
    claimed = window.post(f"/task/{listed.json[0]['id']}/claim", {"userId": "window_cg"})
    claimed.close()
    assert claimed.status_code == 204
    after = scrape(client)
    assert value(after, name, **listing) > value(before, name, **listing)
    assert value(after, name, **claiming) > value(before, name, **claiming)
    assert not any(key[0] == name and ("endpoint", "metrics") in key[1] for key in after)
