"""The end-to-end journey over the demo network, in chromium: one application from a cut-off village to the
county and back, told step by step. `run(browser, net, shot)` calls SHOT(page, name, kiosk) at each step;
the test checks every screen there (axe, and the 适老化 numbers on kiosk screens), the screenshot script
(scripts/journey_screenshots.py) saves it into docs/screenshots/."""
import re
from pathlib import Path

from common.demo import network
from common.demo.client import StaffMember, Villager, photo, wait_until

VILLAGE, TOWNSHIP, COUNTY = "371399101001", "371399101", "371399"
APPLICANT = {"name": "王秀英", "id_number": "11010519440119002X", "phone": "13700004321"}
KIOSK = {"width": 1080, "height": 1920}
DESK = {"width": 1280, "height": 900}

# Every "on its way up" line on the page says the township confirmed (or there is none left).
CONFIRMED = ("() => Array.from(document.querySelectorAll('.k-delivery'))"
             ".every(el => el.dataset.delivery === 'confirmed')")


def sign_in(browser, url, username):
    """A desk-sized page of BROWSER signed in as USERNAME."""
    page = browser.new_page(viewport=DESK, locale="zh-CN")
    page.goto(url + "login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(network.PASSWORD)
    page.get_by_role("button", name="登录").click()
    return page


def act(page, action, **fields):
    """Choose ACTION (its label) on a case page, fill FIELDS (label: text), and carry it out."""
    page.get_by_label(action, exact=isinstance(action, str)).first.check()
    for label, text in fields.items():
        page.get_by_label(label, exact=True).fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="确定办理").click()
    assert "已办理" in page.inner_text("main"), page.inner_text("main")[:500]


def kiosk_lookup(page, url, code):
    page.goto(url + "kiosk/status")
    page.get_by_label("查询码").fill(code)
    page.get_by_label("身份证号或手机号的最后 4 位").fill(APPLICANT["phone"][-4:])
    page.get_by_role("button", name="查询").click()


def run(browser, net, shot, tmp):
    """The journey; returns {tracking_code, app_id, completed_on_dashboard}."""
    kiosk_url, county_url = net.url(VILLAGE), net.url(COUNTY)
    net.stop(TOWNSHIP)  # the village's line to its township is cut
    kiosk = browser.new_page(viewport=KIOSK, locale="zh-CN")
    kiosk.goto(kiosk_url + "kiosk/")
    shot(kiosk, "e2e-01-kiosk-start", True)
    kiosk.get_by_role("link", name="我要办事").click()
    kiosk.get_by_role("link", name=re.compile("人力资源和社会保障")).first.click()
    kiosk.get_by_role("link", name=re.compile("社会保障卡申领")).click()
    kiosk.get_by_role("button", name="开始申请").click()
    kiosk.get_by_label("姓名").fill(APPLICANT["name"])
    kiosk.get_by_label("身份证号").fill(APPLICANT["id_number"])
    kiosk.get_by_label("手机号").fill(APPLICANT["phone"])
    kiosk.get_by_role("button", name="下一步").click()
    kiosk.get_by_label("乡镇便民服务中心领取").check()
    kiosk.get_by_role("button", name="下一步").click()
    for i in range(2):
        path = Path(tmp) / f"m{i}.jpg"
        path.write_bytes(photo((60 + 80 * i, 110, 150)))
        kiosk.locator(f"#photo-{i}").set_input_files(str(path))
        kiosk.locator(f"#m{i}").get_by_role("button", name="上传").click()
        kiosk.wait_for_selector(f"#m{i} img")
    kiosk.get_by_role("button", name="下一步").click()
    kiosk.get_by_role("button", name="提交申请").click()
    # "The line is down" once the village knows it (missed heartbeats), live on the page; until then
    # "sent, waiting for the township to confirm", which is all it knows.
    kiosk.wait_for_function("() => document.querySelector('#k-delivery').dataset.delivery === 'offline'",
                            timeout=60_000)
    assert "网络不通" in kiosk.inner_text("main")
    shot(kiosk, "e2e-02-kiosk-applied-offline", True)
    code = kiosk.inner_text("#tracking-code").strip()
    villager = Villager(kiosk_url, APPLICANT)
    app_id = villager.status(code)["id"]

    net.start(TOWNSHIP)  # the line is back: it goes up, the township forwards it to the county
    # The confirmation page still open says so as soon as the township has it (issue 19.1), unreloaded.
    kiosk.wait_for_function(CONFIRMED, timeout=60_000)
    assert "乡镇已收到" in kiosk.inner_text("main") and "网络不通" not in kiosk.inner_text("main")
    rs = StaffMember(county_url, "rs", network.PASSWORD)
    wait_until("the application at the county", lambda: (rs.find(app_id) or {}).get("state") == "forwarded")
    window = sign_in(browser, net.url(TOWNSHIP), "window")
    window.goto(net.url(TOWNSHIP) + f"cases/{app_id}")
    assert "已转报县级" in window.inner_text("main")
    shot(window, "e2e-03-township-forwarded", False)

    county = sign_in(browser, county_url, "rs")
    shot(county, "e2e-04-county-inbox", False)
    county.get_by_role("link", name=code).click()
    act(county, "一次性告知补正", **{"理由": "身份证照片反光看不清，请重新拍一张。", "缺少的材料": "居民身份证（清晰）"})
    shot(county, "e2e-05-county-asks-for-documents", False)

    wait_until("the request at the village", lambda: villager.status(code)["state"] == "supplement")
    kiosk_lookup(kiosk, kiosk_url, code)
    path = Path(tmp) / "again.jpg"
    path.write_bytes(photo((30, 160, 90)))
    kiosk.locator("#photo").set_input_files(str(path))
    kiosk.locator("#supplement").get_by_role("button", name="上传").click()
    kiosk.wait_for_selector("#supplement img")
    shot(kiosk, "e2e-06-kiosk-adds-the-document", True)
    kiosk.get_by_role("button", name=re.compile("提交补充材料")).click()
    # The line is up: never "the network is down", only "sent, waiting for the township", then "received".
    assert "网络不通" not in kiosk.inner_text("main")
    kiosk.wait_for_function(CONFIRMED, timeout=60_000)
    wait_until("the document at the county", lambda: (rs.find(app_id) or {}).get("state") == "forwarded"
          and rs.case(app_id)["application"]["supplement"]["provided"])

    # The villager books a visit at the township (issue 19.4): a slot from the township's own book,
    # shown as booked only once the township wrote it; the window sees who comes when.
    kiosk_lookup(kiosk, kiosk_url, code)
    kiosk.get_by_role("link", name="预约到乡镇当面办理").click()
    day = kiosk.locator("input[name=date]").get_attribute("value")
    kiosk.locator("button[name=time]:not([disabled])").first.click()
    assert "预约成功" in kiosk.inner_text("main")
    shot(kiosk, "e2e-06b-kiosk-visit-booked", True)
    window.goto(net.url(TOWNSHIP) + f"appointments?day={day}")
    assert code in window.inner_text("main")
    shot(window, "e2e-06c-township-appointments", False)

    county.reload()
    act(county, "受理")
    while county.get_by_label(re.compile("本环节通过")).count():  # each step of the item's flow
        act(county, re.compile("本环节通过"))
    act(county, re.compile("准予（办结）"))  # the last step and the decision together
    shot(county, "e2e-07-county-approves", False)

    wait_until("the outcome at the village", lambda: villager.status(code)["state"] == "approved")
    kiosk_lookup(kiosk, kiosk_url, code)
    assert "已办结：同意" in kiosk.inner_text("main")
    shot(kiosk, "e2e-08-kiosk-outcome", True)
    kiosk.get_by_role("link", name=re.compile("评价这次办事")).click()
    kiosk.get_by_label(re.compile("非常满意")).check()
    kiosk.get_by_role("button", name=re.compile("下一步|确定|提交")).click()
    assert "谢谢您的评价" in kiosk.inner_text("main")
    shot(kiosk, "e2e-09-kiosk-rated", True)

    wait_until("the rating at the county", lambda: (rs.case(app_id)["application"].get("rating") or {}).get("level") == 5)
    sup = sign_in(browser, county_url, "supervisor")
    sup.goto(county_url + "dashboard?group=township&min_sample=1")
    shot(sup, "e2e-10-dashboard-counts-it", False)
    figures = StaffMember(county_url, "supervisor", network.PASSWORD).get("/api/v1/dashboard", group="township",
                                                                         min_sample=1)
    for page in (kiosk, window, county, sup):
        page.close()
    return {"tracking_code": code, "app_id": app_id, "totals": figures["totals"]}
