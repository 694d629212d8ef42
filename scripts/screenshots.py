"""Regenerate docs/screenshots/: every kiosk screen as a villager meets it, the clerk's, window and county consoles.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--landscape]

Makes throwaway village, township and county nodes in a temp folder, serves them on 127.0.0.1, walks Debian's chromium
(through Playwright) from the start screen to a printed receipt, a supplement request and the idle
warning, and saves one PNG per screen (portrait 1080×1920 unless --landscape). Needs the test
extras (`pip install -e .[test]`) and chromium (`bash scripts/test.sh` installs both).
"""
import argparse
import json
import io
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APPLICANT = {"name": "王秀英", "id_number": "11010519440119002X", "phone": "13700004321"}
CLERK_PASSWORD = "clerk-pass-2026"


def sample_photo(path, colour):
    """A plain JPEG standing in for a photographed document."""
    from PIL import Image, ImageDraw
    img = Image.new("RGB", (1200, 800), colour)
    ImageDraw.Draw(img).rectangle((80, 80, 1120, 720), outline=(255, 255, 255), width=12)
    img.save(path, "JPEG")
    return str(path)


def serve(data_root, tier, name, code, staff, settings=None):
    """A node of TIER in DATA_ROOT with STAFF [(username, role)], served by waitress in a thread.

    Returns (config, url, server)."""
    from common import accounts
    from common.node import init_node, open_db
    from common.runtime import WebServer
    from common.tiers import load_tier
    cfg, _ = init_node(data_root / tier, tier, name, code, parent="" if tier == "county" else "tcp://127.0.0.1:9",
                       settings=dict(settings or {}, web_port=0), admin_password=CLERK_PASSWORD)
    conn = open_db(cfg)
    for username, role in staff:
        accounts.add_user(conn, tier, username, username, CLERK_PASSWORD, [role])
    conn.close()
    server = WebServer(load_tier(tier).create_app(cfg), "127.0.0.1", 0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return cfg, server.url.rstrip("/"), server


def sign_in(browser, url, username, viewport):
    """A page of BROWSER signed in as USERNAME."""
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    page.goto(url + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(CLERK_PASSWORD)
    page.get_by_role("button", name="登录").click()
    return page


def township_screens(browser, cfg, url, out):
    """The window console: the inbox, one application with its actions, a walk-in, and a phone."""
    from common.hlc import Clock
    from common.node import open_db
    from common.store import applications, catalog
    conn = open_db(cfg)
    village = "371399101001"
    for item, form in (("MZ-001", {"bank_account": "6222020200112233445"}), ("MZ-002", {"reason": "火灾", "amount": "800"})):
        doc = applications.submit(conn, Clock(village), village, "kiosk", catalog.item(conn, item), APPLICANT, form)
        applications.append(conn, Clock(cfg["code"], last=doc["last_hlc"]), cfg["code"], doc["id"], "received",
                            "system")
    conn.close()
    page = sign_in(browser, url, "window", {"width": 1280, "height": 900})
    save(page, out, "17-window-inbox")
    page.get_by_role("link", name=doc["tracking_code"]).click()
    save(page, out, "18-window-application")
    page.goto(url + "/window/walk-in?item=RS-003")
    save(page, out, "19-window-walk-in")
    phone = sign_in(browser, url, "head", {"width": 390, "height": 844})
    save(phone, out, "20-window-on-a-phone")
    page = sign_in(browser, url, "head", {"width": 1280, "height": 900})
    page.goto(url + "/dashboard?min_sample=1")
    save(page, out, "34-township-dashboard")


def ask_for_supplement(cfg, code):
    """Store what the township would send: it received the application and asks for one more photo."""
    from common.hlc import Clock
    from common.node import open_db
    from common.store import applications
    conn = open_db(cfg)
    app_id = conn.execute("SELECT id FROM applications WHERE tracking_code = ?", (code,)).fetchone()[0]
    clock = Clock("371399101", last=applications.get(conn, app_id)["last_hlc"])
    for kind, payload in (("received", {}), ("supplement_requested",
                                             {"missing": ["户口簿本人页（照片看不清）"], "reason": "照片模糊，请重拍"})):
        applications.ingest(conn, {"id": f"demo-{kind}", "app_id": app_id, "origin": "371399101", "hlc": clock.now(),
                                   "actor": "window1", "type": kind, "payload": payload}, trusted=True)
    conn.close()


def save(page, out, name, at=None):
    """PAGE as OUT/NAME.png (scrolled to the element AT, a CSS selector, or the top), in a 256-colour palette."""
    from PIL import Image
    page.wait_for_load_state("load")
    if at:
        page.locator(at).first.evaluate("e => e.scrollIntoView()")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    shot = Image.open(io.BytesIO(page.screenshot(full_page=False)))
    shot.convert("RGB").quantize(256).save(out / f"{name}.png", optimize=True)
    print(f"  {name}.png")


def walk(page, url, out, tmp, cfg):
    """The villager's screens, in the order met."""
    page.goto(url + "/kiosk/")
    save(page, out, "01-start")
    page.get_by_role("link", name="我要办事").click()
    save(page, out, "02-browse")
    page.goto(url + "/kiosk/search?q=gljt")
    save(page, out, "03-search-pinyin-initials")
    page.get_by_role("link", name="高龄津贴申领").click()
    save(page, out, "04-item-guide")
    page.get_by_role("button", name="开始申请").click()
    page.get_by_role("button", name="读身份证").click()  # the simulated reader's card (docs/card-reader.md)
    page.wait_for_selector("[data-card=read]")
    save(page, out, "29-card-read")
    page.locator("#name").click()
    page.locator("#name").fill("")
    for key in "wang":  # the on-screen keyboard: pinyin, then a tap on the candidate
        page.locator(f'.k-keyboard .hg-button[data-skbtn="{key}"]').first.click()
    save(page, out, "30-keyboard-pinyin")
    page.locator('.k-keyboard .hg-button[data-skbtn="{done}"]').click()
    page.get_by_label("姓名").fill(APPLICANT["name"])
    page.get_by_label("身份证号").fill("110105194912310021")
    page.get_by_role("button", name="下一步").click()
    save(page, out, "05-applicant-errors")
    page.get_by_label("身份证号").fill(APPLICANT["id_number"])
    page.get_by_label("手机号").fill(APPLICANT["phone"])
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("收款银行账号").fill("6222020200112233445")
    save(page, out, "06-questions")
    page.get_by_role("button", name="下一步").click()
    for i, colour in enumerate([(70, 110, 160), (150, 90, 60), (60, 130, 80)]):
        page.locator(f"#photo-{i}").set_input_files(sample_photo(tmp / f"m{i}.jpg", colour))
        page.locator(f"#m{i}").get_by_role("button", name="上传").click()
    save(page, out, "07-materials")
    page.get_by_role("button", name="下一步").click()
    save(page, out, "08-check-answers")
    page.get_by_role("button", name="提交申请").click()
    save(page, out, "09-confirmation")
    code = page.inner_text("#tracking-code").strip()
    page.get_by_role("link", name="打印小票（80 毫米）").click()
    save(page, out, "10-receipt-80mm")
    page.goto(url + "/kiosk/receipt/a4")
    save(page, out, "11-receipt-a4")
    ask_for_supplement(cfg, code)
    page.goto(url + f"/kiosk/status/{code}")
    page.get_by_label("身份证号或手机号的最后 4 位").fill(APPLICANT["phone"][-4:])
    save(page, out, "12-status-lookup")
    page.get_by_role("button", name="查询").click()
    save(page, out, "13-status-supplement-requested")
    page.locator("a.k-button", has_text="一次性告知书").click()  # the paper the township issued, to print here
    save(page, out, "33-kiosk-one-time-notice")
    page.goto(url + "/kiosk/status/consult")  # this kiosk's line is down: said as it is
    page.wait_for_selector("[data-consult][data-state=offline]")
    save(page, out, "31-consult-offline")
    page.goto(url + "/kiosk/status/appointment")
    save(page, out, "32-appointment-offline")
    page.goto(url + "/kiosk/status/withdraw")
    save(page, out, "14-withdraw")
    page.goto(url + "/kiosk/browse")
    page.wait_for_selector("#k-idle", state="visible", timeout=10_000)
    save(page, out, "15-idle-warning")


def county_screens(browser, cfg, url, out):
    """The county: an approver's inbox and case, the supervision view, the dashboard."""
    from common.hlc import Clock
    from common.node import open_db
    from common.store import applications, catalog
    conn = open_db(cfg)
    village, township = "371399101001", "371399101"
    for n in range(3):
        doc = applications.submit(conn, Clock(village), village, "kiosk", catalog.item(conn, "RS-003"), APPLICANT,
                                  {"delivery": "乡镇便民服务中心领取"})
        forwarded_at = Clock(township, last=doc["last_hlc"]).now()
        applications.ingest(conn, {"id": f"fwd-{n}", "app_id": doc["id"], "origin": township, "hlc": forwarded_at,
                                   "actor": "system", "type": "forwarded", "payload": {}})
        if n:  # two already decided, so the dashboard has something to show
            clock = Clock(cfg["code"], last=forwarded_at)
            for kind, payload in (("accepted", {}), ("step_passed", {"step": "review"}), ("approved", {})):
                applications.append(conn, clock, cfg["code"], doc["id"], kind, "rs", payload)
    first = conn.execute("SELECT tracking_code FROM applications WHERE state = 'forwarded'").fetchone()[0]
    conn.close()
    page = sign_in(browser, url, "rs", {"width": 1280, "height": 900})
    save(page, out, "21-county-department-inbox")
    page.get_by_role("link", name=first).click()
    save(page, out, "22-county-case")
    page.goto(url + "/dashboard?min_sample=1")
    save(page, out, "23-county-dashboard")
    save(page, out, "24-county-dashboard-charts", at="#charts")
    page = sign_in(browser, url, "sup", {"width": 1280, "height": 900})
    page.goto(url + "/supervision")
    save(page, out, "35-county-supervision")


def voice_screens(browser, cfg, url, out, viewport):
    """The kiosk's citizen-voice screens: notices, a complaint's answer, the rating question."""
    from common.hlc import Clock
    from common.node import open_db
    from common.store import applications, catalog, notices
    from common.store.db import transaction
    conn = open_db(cfg)
    county, township = "371399", "371399101"
    with transaction(conn):
        notices.upsert(conn, {"id": "demo-notice", "publisher": county, "version": 1, "category": "public",
                              "title": "2027年度城乡居民医保开始缴费", "published_on": "2026-01-01", "expires_on": None,
                              "withdrawn": False, "body": "各位村民：\n\n2027年度城乡居民医保个人缴费从即日起开始，"
                              "标准为每人每年400元。\n\n可到村服务站由代办员帮助缴费，也可用手机缴费。"})
    doc = applications.submit(conn, Clock(cfg["code"]), cfg["code"], "kiosk", catalog.item(conn, "RX-001"), APPLICANT,
                              {"topic": "道路水电", "content": "村东头的路灯坏了三个月，晚上老人走路看不见。"})
    answer = "您反映的村东头路灯问题，县住建局已派人检查，更换了3盏路灯，12月10日前全部修好。感谢您的监督。"
    clock = Clock(county, last=doc["last_hlc"])
    steps = [(township, "forwarded", {}), (county, "accepted", {}),
             (county, "step_passed", {"step": "songyue", "assign": "ZJ"}), (county, "step_passed", {"step": "pibang"}),
             (county, "step_passed", {"step": "chengban", "answer": answer}), (county, "step_passed", {"step": "ducha"}),
             (county, "approved", {"answer": answer})]
    with transaction(conn):
        for n, (origin, kind, payload) in enumerate(steps):
            applications.ingest(conn, {"id": f"voice-{n}", "app_id": doc["id"], "origin": origin, "hlc": clock.now(),
                                       "actor": "zj", "type": kind, "payload": payload}, trusted=True)
    conn.close()
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    page.goto(url + "/kiosk/notices")
    save(page, out, "25-kiosk-notices")
    page.get_by_role("link", name="2027年度城乡居民医保开始缴费").click()
    save(page, out, "26-kiosk-notice")
    page.goto(url + f"/kiosk/status/{doc['tracking_code']}")
    page.get_by_label("身份证号或手机号的最后 4 位").fill(APPLICANT["phone"][-4:])
    page.get_by_role("button", name="查询").click()
    save(page, out, "27-kiosk-complaint-answered")
    page.goto(url + "/kiosk/status/rate")
    save(page, out, "28-kiosk-rate")


def prepare(parser, args):
    """Debian's chromium (or a parser error saying how to get it) and the output folder, made."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        parser.error("chromium is not installed: run `bash scripts/test.sh` once (it installs Debian's chromium)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return chromium, out


def main(argv=None):
    """Write the screenshots; exit status 0 when every screen was saved."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder for the PNG files")
    parser.add_argument("--landscape", action="store_true", help="1920×1080 instead of 1080×1920")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    chromium, out = prepare(parser, args)
    viewport = {"width": 1920, "height": 1080} if args.landscape else {"width": 1080, "height": 1920}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg, url, server = serve(tmp, "village", "东岭村为民服务室", "371399101001", [("clerk", "village_clerk")],
                                 {"kiosk_idle_warn_seconds": 3, "kiosk_idle_reset_seconds": 600,
                                  "card_reader": "simulator"})
        card = cfg.data_dir / "card-reader" / "card.json"  # a card on the simulated reader
        card.parent.mkdir(parents=True, exist_ok=True)
        card.write_text(json.dumps({"status": "ok", "card": {"name": APPLICANT["name"], "id_number": APPLICANT["id_number"],
                                                            "address": "示范县东岭村 3 组 12 号"}}, ensure_ascii=False),
                        encoding="utf-8")
        t_cfg, t_url, t_server = serve(tmp, "township", "城关镇为民服务中心", "371399101",
                                       [("window", "township_staff"), ("head", "township_head")])
        c_cfg, c_url, c_server = serve(tmp, "county", "示范县政务服务中心", "371399",
                                       [("rs", "county_approver:RS"), ("sup", "supervisor")])
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--lang=zh-CN"])
                walk(browser.new_page(viewport=viewport, locale="zh-CN"), url, out, tmp, cfg)
                save(sign_in(browser, url + "", "clerk", {"width": 1280, "height": 900}), out, "16-clerk-console")
                voice_screens(browser, cfg, url, out, viewport)
                township_screens(browser, t_cfg, t_url, out)
                county_screens(browser, c_cfg, c_url, out)
                browser.close()
        finally:
            server.stop()
            t_server.stop()
            c_server.stop()
    print(f"saved to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
