"""A live video consult in two real chromium contexts (fake camera and microphone): a kiosk page served by
a real village process calls a county approver's console through the township and the hub; getStats on
both sides shows video frames decoded, and the call ends on the application's timeline."""
import json

import pytest

from tests.browser import axe_violations, chromium_path, until
from tests.county_hub.test_consult_network import applied
from tests.helpers import ADMIN_PASSWORD, wait_for
from tests.sync.netutil import NodeProcess, make_network
from tests.township_node.test_window_network import Staff, add_staff, web
from tests.village_kiosk.test_api import GOOD

C, T, V = "371399", "371399101", "371399101001"
DECODED = """async () => {
  const pc = window.sanjiConsult && window.sanjiConsult.pc;
  if (!pc) return 0;
  let frames = 0;
  (await pc.getStats()).forEach(r => { if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0; });
  return frames;
}"""


@pytest.fixture(scope="module")
def call(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    net = make_network(tmp_path_factory.mktemp("consult-browser"), villages=1)
    add_staff(net["county"], "county", [("rs1", ["county_approver:RS"])])
    procs = {code: NodeProcess(cfg).start() for code, cfg in net.items()}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            "--disable-features=WebRtcHideLocalIpsWithMdns"])  # plain LAN addresses in ICE candidates
        try:
            yield net, procs, browser
        finally:
            browser.close()
            for proc in procs.values():
                proc.stop()


def test_kiosk_and_county_approver_see_each_other(call):
    net, procs, browser = call
    app_id, code = applied(procs)
    county, village = web(procs["county"]), web(procs[V])
    staff = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    staff.goto(county + "/login")
    staff.get_by_label("用户名").fill("rs1")
    staff.get_by_label("密码").fill(ADMIN_PASSWORD)
    staff.get_by_role("button", name="登录").click()
    staff.get_by_role("button", name="可以接听").click()
    until(staff, "document.querySelector('[data-consult]').dataset.state === 'idle'", what="the console available")
    staff.wait_for_load_state("load")
    assert axe_violations(staff) == []

    kiosk = browser.new_context(locale="zh-CN", viewport={"width": 1080, "height": 1920}).new_page()
    kiosk.goto(village + "/kiosk/status")
    kiosk.get_by_label("查询码").fill(code)
    kiosk.get_by_label("身份证号或手机号的最后 4 位").fill(GOOD["phone"][-4:])
    kiosk.locator("form.k-form button[type=submit]").click()
    kiosk.get_by_role("link", name="视频咨询工作人员").click()
    until(staff, "document.querySelector('[data-consult]').dataset.state === 'ringing'", timeout=30, what="the ring")
    wait_for(lambda: code in staff.inner_text("[data-context]"), timeout=15, what="the case shown with the ring")
    staff.get_by_role("button", name="接听").click()
    until(kiosk, "document.querySelector('[data-consult]').dataset.state === 'in_call'", timeout=30, what="in call")
    frames = {side: until(page, DECODED, timeout=30, what=f"video decoded at the {side}")
              for side, page in (("kiosk", kiosk), ("staff", staff))}
    assert all(n > 0 for n in frames.values()), frames
    assert kiosk.evaluate("document.body.dataset.idleHold") == "yes"  # the idle reset waits for the call
    kiosk.wait_for_load_state("load")
    assert axe_violations(kiosk) == []
    kiosk.get_by_role("button", name="挂断").click()
    until(staff, "document.querySelector('[data-consult]').dataset.state === 'wrap_up'", timeout=15, what="wrap-up")
    staff.get_by_role("button", name="完成").click()
    until(kiosk, "document.querySelector('[data-consult]').dataset.state === 'ended'", timeout=15, what="the end")
    until(staff, "document.querySelector('[data-consult]').dataset.state === 'idle'", timeout=15, what="free again")
    rs = Staff(county, "rs1")

    def recorded():
        r = rs.get(f"/api/v1/cases/{app_id}")
        return r.status_code == 200 and [e for e in r.json()["events"] if e["type"] == "consult_held"]
    held = wait_for(recorded, timeout=60, what="consult_held at the county")
    print("\nconsult:", json.dumps({"frames_decoded": frames, "timeline": held[0]["at"]}))
