"""Talking to running nodes as their users do, over their JSON APIs: a villager at a kiosk, a staff member.

Used by `sanji demo --smoke` and `--traffic`; nothing here touches a database.
"""
import io
import time

import requests
from PIL import Image

from ..errors import SanjiError

TIMEOUT = 15


class ClientError(SanjiError):
    """A node answered something other than what the step needed."""


def _check(r, what):
    if r.status_code >= 300:
        raise ClientError(f"{what}: HTTP {r.status_code} {r.text[:300]}")
    return r.json()


def wait_until(what, check, timeout=60):
    """CHECK()'s first truthy value, polled until TIMEOUT seconds; a node not answering yet counts as no.

    ClientError naming WHAT when it does not happen in time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
        except (SanjiError, requests.RequestException):
            got = None
        if got:
            return got
        time.sleep(0.2)
    raise ClientError(f"{what}：{timeout} 秒内没有发生 / did not happen within {timeout} s")


def photo(colour=(120, 140, 90)):
    """A small JPEG standing in for a photo of a document."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


class Villager:
    """A person at the kiosk of the village at URL (no sign-in: the tracking code and last 4 authorise)."""

    def __init__(self, url, applicant):
        self.url, self.applicant, self.http = url.rstrip("/"), applicant, requests.Session()

    def upload(self, colour=(120, 140, 90)):
        """Upload one photo; its sha256."""
        r = self.http.post(self.url + "/api/v1/materials", files={"photo": ("p.jpg", photo(colour), "image/jpeg")},
                           timeout=TIMEOUT)
        return _check(r, "upload a photo")["sha256"]

    def apply(self, item, form, materials=()):
        """Apply for ITEM with FORM and a photo for each of MATERIALS (the catalog's indices); the receipt."""
        shas = [{"sha256": self.upload((40 * i, 90, 30)), "material": i} for i in materials]
        r = self.http.post(self.url + "/api/v1/applications", timeout=TIMEOUT,
                           json={"item": item, "applicant": self.applicant, "form": form, "materials": shas})
        return _check(r, f"apply for {item}")

    def _post(self, path, code, what, **body):
        r = self.http.post(self.url + path, json=dict(body, code=code, last4=self.applicant["phone"][-4:]),
                           timeout=TIMEOUT)
        return _check(r, what)

    def status(self, code):
        """The application's status as the kiosk shows it."""
        return self._post("/api/v1/status", code, "look the application up")

    def supplement(self, code, photos=1):
        """Send PHOTOS photos for a supplement request."""
        shas = [self.upload((200, 40 * i, 30)) for i in range(photos)]
        return self._post("/api/v1/status/supplement", code, "provide the supplement", materials=shas)

    def rate(self, code, level, reason=""):
        """Rate the service (1–5); REASON for a bad one."""
        return self._post("/api/v1/status/rating", code, "rate", level=level, **({"reason": reason} if reason else {}))


class StaffMember:
    """A signed-in staff member of the node at URL."""

    def __init__(self, url, username, password):
        self.url, self.http = url.rstrip("/"), requests.Session()
        page = self.http.get(self.url + "/login", timeout=TIMEOUT)
        token = page.text.split('name="csrf_token" value="', 1)[-1].split('"', 1)[0]
        r = self.http.post(self.url + "/login", data={"username": username, "password": password, "csrf_token": token},
                           timeout=TIMEOUT)
        if r.status_code != 200 or "/login" in r.url:
            raise ClientError(f"sign in as {username} at {url}: HTTP {r.status_code}")
        self.token = _check(self.http.get(self.url + "/api/v1/me", timeout=TIMEOUT), "who am I")["csrf_token"]

    def get(self, path, **params):
        """GET a JSON API path."""
        return _check(self.http.get(self.url + path, params=params, timeout=TIMEOUT), f"GET {path}")

    def post(self, path, body):
        """POST JSON to an API path."""
        return _check(self.http.post(self.url + path, json=body, headers={"X-CSRF-Token": self.token},
                                     timeout=TIMEOUT), f"POST {path}")

    def case(self, app_id):
        """{application, events, actions} of APP_ID here."""
        return self.get(f"/api/v1/cases/{app_id}")

    def find(self, app_id):
        """APP_ID's application as this node holds it, or None when it has not arrived."""
        try:
            return self.case(app_id)["application"]
        except ClientError:
            return None

    def act(self, app_id, action, **form):
        """Take ACTION on APP_ID; the application after it."""
        return self.post(f"/api/v1/cases/{app_id}/actions", dict(form, action=action))["application"]

    def decide(self, app_id, outcome="approved", **form):
        """Pass every step offered to this user in turn, then OUTCOME (approved or denied).

        The last step comes with the decision (one action), as the console offers it.
        """
        def extra(offer):
            out = {"step": offer["step"]} if offer.get("step") else {}
            if offer.get("assigns"):
                out["department"] = form.get("department", "MZ")
            if offer.get("answers"):
                out["answer"] = form.get("answer", "已办理，谢谢您的反映。")
            return out

        for _ in range(12):
            offered = self.case(app_id)["actions"]
            final = next((a for a in offered if a["action"] == outcome), None)
            if final:
                return self.act(app_id, outcome, **{**extra(final), **form})
            step = next((a for a in offered if a["action"] == "step_passed"), None)
            if not step:
                return None
            self.act(app_id, "step_passed", **extra(step))
        return None
