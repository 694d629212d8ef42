"""Schemathesis against every tier's own OpenAPI document: no 5xx, and every answer matches what is documented (issue 17).

Real waitress servers on loopback, a signed-in administrator (so the staff endpoints are reached
past the sign-in check), a few generated cases per operation (bounded, so the suite stays fast).
"""
import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.openapi import from_dict

from common.tiers import load_tier
from tests.helpers import ADMIN_PASSWORD, LiveServer, make_node

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
EXAMPLES = 25  # per operation and tier (bounded: the suite stays fast)
# Operations that wait by design (long polls) or act on the whole network (a sweep, a sync run).
SLOW = {"GET /api/v1/live/poll"}


def _admin(url):
    s = requests.Session()
    me = s.post(url + "/api/v1/session", json={"username": "admin", "password": ADMIN_PASSWORD}, timeout=30).json()
    s.headers["X-CSRF-Token"] = me["csrf_token"]
    return s


@pytest.mark.parametrize("tier", ["village", "township", "county"])
def test_every_documented_operation_answers_as_documented_and_never_with_a_500(tmp_path, tier):
    cfg = make_node(tmp_path, tier)
    with LiveServer(load_tier(tier).create_app(cfg)) as srv:
        spec = requests.get(srv.url + "/api/v1/openapi.json", timeout=10).json()
        schema = from_dict(spec)
        session = _admin(srv.url)
        failures, ran = [], 0
        for result in schema.get_all_operations():
            op = result.ok()
            if op.label in SLOW or op.label == "DELETE /api/v1/session":  # signing out would end the run
                continue

            @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy())
            def run(case):
                case.call_and_validate(base_url=srv.url, session=session, checks=CHECKS, timeout=30)

            try:
                run()
                ran += 1
            except Exception as exc:  # one line per operation that failed, all reported together
                failures.append(f"{op.label}: {str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__}")
        assert ran > 10
        assert not failures, "\n".join(failures)
