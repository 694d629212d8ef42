"""A villager's whole visit in a real chromium against a real village node process (issue 4's "done when").

The village's parent is configured but not running at first: the application must be taken,
receipted and kept; once the township and county start it syncs up, a supplement request comes
down, and the villager adds a photo. The camera is chromium's fake capture device. Every screen
met is checked with axe-core and measured (text, line height, targets). The node's resident
memory is read from /proc during the visit and reported.
"""
import io
import json
import re
import time
from pathlib import Path

import pytest

from common import accounts
from common.hlc import Clock
from common.node import open_db
from common.store import applications as apps
from tests.browser import (LANDSCAPE, MEASURE_JS, PORTRAIT, axe_violations, chromium_path,
                           focus_is_on_error_summary, until)
from tests.helpers import ADMIN_PASSWORD, wait_for
from tests.sync.netutil import NodeProcess, count, make_network

T, V = "371399101", "371399101001"
NAME, ID_OK, ID_BAD, PHONE = "钱七", "11010519440119002X", "110105194912310021", "13700004321"
PORTAL = "https://zwfw.example.gov.cn/"  # the county's public status address, printed as the receipt's QR
IDLE_WARN, IDLE_RESET, IDLE_DATA = 6, 10, 16  # with something entered: reset at 16 s, warned at 12 s


def jpeg(tmp, name, colour):
    from PIL import Image
    path = Path(tmp) / name
    Image.new("RGB", (1600, 1200), colour).save(path, "JPEG")
    return str(path)


def page_width_mm(page):
    """The printed page's width in mm, from the first MediaBox of chromium's PDF of PAGE (print CSS applied)."""
    box = re.search(rb"/MediaBox \[0 0 ([0-9.]+) ([0-9.]+)\]", page.pdf(prefer_css_page_size=True))
    return float(box.group(1)) * 25.4 / 72


def memory_kb(pid):
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {k: int(fields[k].split()[0]) for k in ("VmRSS", "VmHWM")}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from playwright.sync_api import sync_playwright
    root = tmp_path_factory.mktemp("kiosk-visit")
    net = make_network(root, villages=1)
    conn = open_db(net[V])
    accounts.add_user(conn, "village", "clerk1", "村代办员甲", ADMIN_PASSWORD, ["village_clerk"])
    conn.close()
    env = {"SANJI_KIOSK_IDLE_WARN_SECONDS": str(IDLE_WARN), "SANJI_KIOSK_IDLE_RESET_SECONDS": str(IDLE_RESET),
           "SANJI_KIOSK_IDLE_RESET_WITH_DATA_SECONDS": str(IDLE_DATA), "SANJI_PUBLIC_URL": PORTAL,
           "SANJI_OFFICE_PHONE": "0539-1234567"}
    village = NodeProcess(net[V], env=env).start()
    url = (Path(net[V].data_dir) / "run" / "web.url").read_text().strip().rstrip("/")
    parents = [NodeProcess(net["county"]), NodeProcess(net[T])]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=[
            "--no-sandbox", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        w = {"net": net, "village": village, "parents": parents, "url": url, "browser": browser, "tmp": root,
             "screens": set(), "memory": []}
        try:
            yield w
        finally:
            browser.close()
            for proc in [village] + parents:
                proc.stop()
            report = {"village_rss_kb_max": max((m["VmRSS"] for m in w["memory"]), default=0),
                      "village_hwm_kb": max((m["VmHWM"] for m in w["memory"]), default=0),
                      "samples": len(w["memory"]), "screens_checked": len(w["screens"])}
            print("\nkiosk-visit:", json.dumps(report))


def check(w, page, what):
    """axe-core and the 适老化 measurements on the screen PAGE shows; remembers memory use."""
    page.wait_for_load_state("load")  # a click returns once navigation commits; the stylesheet may still be on its way
    assert axe_violations(page) == [], what
    m = page.evaluate(MEASURE_JS)
    assert (m["small"], m["tight"], m["targets"]) == ([], [], []), (what, m)
    w["screens"].add(what)
    w["memory"].append(memory_kb(w["village"].proc.pid))


def apply_as_villager(w, page, phone=PHONE):
    """The villager's path from the start screen to the confirmation; returns the tracking code."""
    page.goto(w["url"] + "/")
    check(w, page, "start")
    page.get_by_role("link", name="我要办事").click()
    page.get_by_role("link", name=re.compile("养老")).first.click()
    page.get_by_role("link", name=re.compile("高龄津贴申领")).click()
    check(w, page, "item guide")
    page.get_by_role("button", name="开始申请").click()
    assert "第 1 步，共 4 步" in page.inner_text("main")
    check(w, page, "applicant")
    page.get_by_label("姓名").fill(NAME)
    page.get_by_label("身份证号").fill(ID_BAD)
    until(page, "document.getElementById('id_number-live').textContent.includes('有一位不对')")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="下一步").click()
    assert page.title().startswith("错误") and focus_is_on_error_summary(page)
    check(w, page, "applicant with errors")
    page.get_by_label("身份证号").fill(ID_OK)
    page.get_by_role("button", name="下一步").click()
    check(w, page, "details")
    page.get_by_label("收款银行账号").fill("6222020200112233445")
    page.get_by_role("button", name="下一步").click()
    check(w, page, "materials")
    page.get_by_role("button", name="下一步").click()  # nothing photographed yet
    assert page.title().startswith("错误") and focus_is_on_error_summary(page)
    # The first material through the camera, the others as files.
    first = page.locator("#m0")
    first.get_by_role("button", name="拍照").click()
    until(page, "document.querySelector('#m0 video').videoWidth > 0")
    check(w, page, "camera open")
    first.get_by_role("button", name="拍下").click()
    page.wait_for_selector("#m0 img")
    for i, colour in ((1, (30, 90, 160)), (2, (160, 90, 30))):
        page.locator(f"#photo-{i}").set_input_files(jpeg(w["tmp"], f"m{i}.jpg", colour))
        page.locator(f"#m{i}").get_by_role("button", name="上传").click()
        page.wait_for_selector(f"#m{i} img")
    check(w, page, "materials with photos")
    page.get_by_role("button", name="下一步").click()
    check(w, page, "check answers")
    page.get_by_role("link", name="修改 手机号").click()
    assert page.get_by_label("手机号").input_value() == phone
    page.get_by_role("button", name="下一步").click()
    assert "请核对您填写的内容" in page.inner_text("main")  # a change returns to the check page
    page.get_by_role("button", name="提交申请").click()
    check(w, page, "confirmation")
    return page.inner_text("#tracking-code").strip()


def test_villager_applies_while_the_parent_is_down_and_the_receipt_qr_decodes(world):
    import zxingcpp
    from PIL import Image
    w = world
    page = w["browser"].new_page(viewport=PORTRAIT)
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(w["url"]) else None)
    code = apply_as_villager(w, page)
    assert "网络不通" in page.inner_text("main")
    cfg = w["net"][V]
    assert count(cfg, "SELECT COUNT(*) FROM applications WHERE tracking_code = ?", code) == 1
    assert count(cfg, "SELECT COUNT(*) FROM kiosk_drafts") == 0
    doc = json.loads(open_db(cfg).execute("SELECT doc FROM applications WHERE tracking_code = ?", (code,))
                     .fetchone()[0])
    assert len(doc["materials"]) == 3 and doc["applicant"]["name"] == NAME and doc["proxy_by"] == ""
    page.get_by_role("link", name=re.compile("打印小票")).click()
    check(w, page, "receipt 80mm")
    text = page.inner_text("main")
    assert code in text and "高龄津贴申领" in text and "预计，受理后确定" in text and "110105********002X" in text
    # A real 受理回执: where it was received, the promised time, the office's and the supervision phone.
    for words in ("受理地点", "受理后 10 个工作日内办结", "咨询电话", "0539-1234567", "监督投诉电话", "12345"):
        assert words in text, words
    shot = page.locator(".r-qr svg").screenshot()
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]
    assert decoded == [f"{PORTAL}kiosk/status/{code}"]
    assert abs(page_width_mm(page) - 80) < 1, "an 80 mm slip"
    page.goto(w["url"] + "/kiosk/receipt/a4")
    check(w, page, "receipt A4")
    assert abs(page_width_mm(page) - 210) < 1, "an A4 page"
    assert external == []
    w["code"] = code
    page.close()


def lookup(w, page, code, last4):
    page.goto(w["url"] + f"/kiosk/status/{code}")
    assert page.get_by_label("查询码").input_value() == code  # what the receipt's QR opens
    page.get_by_label("身份证号或手机号的最后 4 位").fill(last4)
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector(".k-timeline")


def test_the_application_waits_in_the_outbox_and_syncs_once_the_parent_starts(world):
    w = world
    cfg, code = w["net"][V], w["code"]
    page = w["browser"].new_page(viewport=PORTRAIT)
    lookup(w, page, code, PHONE[-4:])
    assert "网络不通" in page.inner_text("main")  # the village never reached its township
    check(w, page, "status waiting")
    assert count(cfg, "SELECT COUNT(*) FROM sync_outbox WHERE link = 'up'") >= 1
    clerk = w["browser"].new_page(viewport=LANDSCAPE)
    clerk.goto(w["url"] + "/login?next=/clerk/")
    clerk.get_by_label("用户名").fill("clerk1")
    clerk.get_by_label("密码").fill(ADMIN_PASSWORD)
    clerk.get_by_role("button", name="登录").click()
    bar = clerk.locator("#linkbar")
    assert "上级连接中断" in bar.inner_text() and "待发送 1 条" in bar.inner_text()
    assert "⏳" in clerk.locator("table").last.inner_text()  # the application waits to upload
    assert axe_violations(clerk) == []
    for proc in w["parents"]:
        proc.start()
    # The banner follows the link thread's heartbeats without a reload.
    until(clerk, "document.getElementById('linkbar').innerText.includes('上级连接正常')", timeout=30,
          what="the clerk's banner turning to 'up'")

    def shown_as_sent():
        clerk.reload()
        return "已上报" in clerk.locator("table").last.inner_text()
    wait_for(shown_as_sent, timeout=30, interval=0.5, what="the application shown as sent up")
    clerk.close()
    township = w["net"][T]
    wait_for(lambda: count(township, "SELECT COUNT(*) FROM applications WHERE tracking_code = ? AND state = 'received'",
                           code) == 1, timeout=60, what="the township received it")
    wait_for(lambda: count(township, "SELECT COUNT(*) FROM blobs WHERE complete = 1") == 3, timeout=60,
             what="the three photos pulled by the township")
    wait_for(lambda: count(cfg, "SELECT COUNT(*) FROM applications WHERE state = 'received'") >= 1, timeout=60,
             what="the township's receipt back at the village")
    lookup(w, page, code, ID_OK[-4:])
    text = page.inner_text("main")
    assert "乡镇便民服务中心已收到您的申请" in text and "网络不通" not in text
    page.close()


def test_a_supplement_request_appears_and_the_villager_adds_a_photo(world):
    w = world
    cfg, code, township = w["net"][V], w["code"], w["net"][T]
    conn = open_db(township)
    app_id = conn.execute("SELECT id FROM applications WHERE tracking_code = ?", (code,)).fetchone()[0]
    apps.append(conn, Clock(T), T, app_id, "supplement_requested", "window1",
                {"missing": ["户口簿本人页（看不清）"], "reason": "照片模糊"})
    wait_for(lambda: count(cfg, "SELECT COUNT(*) FROM applications WHERE state = 'supplement'") == 1, timeout=60,
             what="the supplement request at the village")
    page = w["browser"].new_page(viewport=PORTRAIT)
    lookup(w, page, code, PHONE[-4:])
    box = page.locator("#supplement")
    assert "户口簿本人页（看不清）" in box.inner_text()
    check(w, page, "status with supplement request")
    page.locator("#photo").set_input_files(jpeg(w["tmp"], "supplement.jpg", (20, 140, 60)))
    box.get_by_role("button", name="上传").click()
    page.wait_for_selector("#supplement img")
    check(w, page, "supplement photo taken")
    page.get_by_role("button", name=re.compile("提交补充材料")).click()
    assert "补充材料已提交" in page.inner_text("main")
    check(w, page, "supplement sent")
    wait_for(lambda: count(township, "SELECT COUNT(*) FROM applications WHERE id = ? AND state = 'received'",
                           app_id) == 1, timeout=60, what="the supplement at the township")
    wait_for(lambda: count(township, "SELECT COUNT(*) FROM blobs WHERE complete = 1") == 4, timeout=60,
             what="the supplement photo pulled by the township")
    conn.close()
    page.close()


def test_idle_reset_leaves_nothing_personal_behind(world):
    w = world
    cfg = w["net"][V]
    context = w["browser"].new_context(viewport=LANDSCAPE)
    page = context.new_page()
    page.goto(w["url"] + "/kiosk/item/MZ-002")
    page.get_by_role("button", name="开始申请").click()
    check(w, page, "applicant (landscape)")
    page.get_by_label("姓名").fill("孙八")
    page.get_by_label("身份证号").fill(ID_OK)
    page.get_by_label("手机号").fill("13900001111")
    page.get_by_role("button", name="下一步").click()
    check(w, page, "details with choices and money (landscape)")
    page.get_by_text("火灾").click()
    page.get_by_label("申请金额（元）").fill("800")
    page.get_by_role("button", name="下一步").click()
    page.locator("#photo-0").set_input_files(jpeg(w["tmp"], "idle.jpg", (90, 90, 90)))
    page.locator("#m0").get_by_role("button", name="上传").click()
    page.wait_for_selector("#m0 img")
    check(w, page, "materials (landscape)")
    page.evaluate("sessionStorage.setItem('k-read', '1'); localStorage.setItem('x', 'y')")
    assert count(cfg, "SELECT COUNT(*) FROM kiosk_drafts") == 1
    page.wait_for_selector("#k-idle", state="visible", timeout=(IDLE_DATA + 3) * 1000)
    check(w, page, "idle warning")
    # In the middle of the screen, a big button, and a countdown that counts (issue 19.11).
    box, view = page.locator(".k-idle-box").bounding_box(), page.viewport_size
    assert box["y"] < view["height"] / 2 < box["y"] + box["height"]
    assert page.get_by_role("button", name="我还在，继续").bounding_box()["height"] >= 60
    first = int(page.inner_text("#k-idle-left"))
    assert 0 < first <= IDLE_RESET - IDLE_WARN
    page.wait_for_function(f"() => +document.getElementById('k-idle-left').textContent < {first}", timeout=3000)
    page.get_by_role("button", name="我还在，继续").click()
    touched = time.monotonic()
    assert page.locator("#k-idle").is_hidden() and "/kiosk/apply/materials" in page.url
    page.wait_for_url(re.compile(r"/kiosk/$"), timeout=(IDLE_DATA + 5) * 1000)
    # Something was entered: wiped after the longer wait, not the 10 s an empty visit gets.
    assert time.monotonic() - touched >= IDLE_DATA - 1
    assert count(cfg, "SELECT COUNT(*) FROM kiosk_drafts") == 0
    assert not any(Path(cfg.data_dir, "drafts").glob("*/*"))
    assert [c for c in context.cookies() if c["name"] == "sanji_session"] == []
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0
    assert "孙八" not in page.content()
    page.go_back()
    assert "孙八" not in page.content() and "13900001111" not in page.content()
    context.close()


def test_the_whole_journey_in_landscape(world):
    """The same visit on a landscape screen (1920×1080): every screen passes the same checks."""
    w = world
    page = w["browser"].new_page(viewport=LANDSCAPE)
    code = apply_as_villager(w, page, phone="13600007777")
    page.get_by_role("link", name=re.compile("打印 A4")).click()
    check(w, page, "receipt A4 (landscape)")
    assert code in page.inner_text("main")
    page.close()


def test_the_kiosk_stays_light(world):
    """The village node's memory over the whole visit (target: under 120 MB resident)."""
    w = world
    assert len(w["screens"]) >= 15, sorted(w["screens"])
    peak_mb = max(m["VmHWM"] for m in w["memory"]) / 1024
    assert peak_mb < 120, f"village node peaked at {peak_mb:.0f} MB resident"
