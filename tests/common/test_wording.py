"""The sentences a villager reads about an application (issue 19.5 and 19.6), from real projections."""
from common import i18n
from common.domain import timeline, wording
from tests.common.test_application import C, COUNTY_ITEM, Case, T, TOWNSHIP_ITEM

NAMES = {"MZ": "县民政局"}.get
NAMED_FLOW = [{"id": "investigate", "name": "入户调查", "role": "county_approver"},
              {"id": "approve", "name": "民政局审核确认", "role": "county_approver"}]
VOICE_ITEM = dict(COUNTY_ITEM, code="RX-001", department="MZ", case_type="voice", flow=NAMED_FLOW)


def said(doc, lang="zh"):
    key, values = wording.now(doc, lambda c: NAMES(c, ""))
    values = dict(values)
    values["office"] = i18n.translate(values.pop("office_key"), lang, name=values.get("name", ""))
    return i18n.translate(key, lang, **values)


def texts(case, lang="zh"):
    out = []
    for st in timeline.steps(case.events):
        key, values = wording.step(case.doc, st, lambda c: NAMES(c, ""))
        values = dict(values)
        if "office_key" in values:
            values["office"] = i18n.translate(values.pop("office_key"), lang)
        out.append(i18n.translate(key, lang, **values))
    return out


def test_each_state_is_a_sentence_naming_who_acts():
    case = Case(dict(COUNTY_ITEM, flow=NAMED_FLOW))
    assert said(case.doc) == "已提交，正在送往乡镇便民服务中心"
    case.add("received", T)
    assert said(case.doc) == "乡镇便民服务中心已收到，正在看能不能受理"
    case.add("forwarded", T)
    assert said(case.doc) == "乡镇已转交县民政局，等待受理"
    case.add("accepted", C)
    assert said(case.doc) == "县民政局已受理，正在办理"
    case.add("step_passed", C, step="investigate")
    assert said(case.doc) == "县民政局正在审查（第 2 步，共 2 步）"
    assert said(case.doc, "en") == "县民政局 is reviewing it (step 2 of 2)"  # the name as the catalog gives it
    assert wording.shows_due(case.doc)
    case.add("step_passed", C, step="approve")
    case.add("approved", C)
    assert said(case.doc) == "已办结：同意" and not wording.shows_due(case.doc)  # no "预计办结" once finished
    steps = texts(case)
    assert steps[1:] == ["乡镇便民服务中心已收到您的申请", "乡镇已转交县民政局办理", "已受理，开始计算办理时间",
                         "审核环节通过：入户调查", "审核环节通过：民政局审核确认", "已办结：同意"]
    assert len(set(steps)) == len(steps)  # no step said twice the same way


def test_a_supplement_sent_before_acceptance_is_not_said_as_received_again():
    case = Case(TOWNSHIP_ITEM)
    case.add("received", T)
    case.add("supplement_requested", T, reason="照片看不清", missing=["身份证"])
    assert said(case.doc) == "需要您补充材料，请看下面"
    case.add("supplement_provided", "370101001001", materials=[])
    assert case.doc["state"] == "received"
    assert said(case.doc) == "您补充的材料已送到，乡镇便民服务中心会接着办"


def test_a_complaint_uses_the_words_of_a_complaint():
    case = Case(VOICE_ITEM)
    assert said(case.doc) == "诉求已提交，正在送往县里"
    case.add("received", T)
    case.add("forwarded", T)
    case.add("accepted", C)
    assert said(case.doc) == "已登记，县民政局正在处理"
    case.add("supplement_requested", C, reason="请说明时间地点", missing=["时间地点"])
    assert said(case.doc) == "需要您补充说明情况，请看下面"
    steps = " ".join(texts(case))
    for application_word in ("申请", "材料", "审核", "审批", "许可"):
        assert application_word not in steps, (application_word, steps)
    assert "需要您补充说明情况" in steps and "乡镇已转交县民政局处理" in steps


def test_an_instant_item_promises_the_spot_not_zero_days():
    assert wording.promise(dict(TOWNSHIP_ITEM, case_type="instant", promised_days=0)) == ("promise.instant", {})
    assert wording.promise(dict(TOWNSHIP_ITEM, promised_days=0)) == ("promise.instant", {})
    assert wording.promise(TOWNSHIP_ITEM) == ("promise.days", {"n": 10})
    assert wording.promise(VOICE_ITEM) == ("promise.voice_days", {"n": 10})
    case = Case(dict(TOWNSHIP_ITEM, case_type="instant", promised_days=0))
    case.add("received", T)
    assert not wording.shows_due(case.doc)


def test_every_state_and_step_has_words_in_both_languages():
    from common.domain.application import UNFINISHED
    states = set(UNFINISHED) | set(wording.FINISHED)
    for lang in ("zh", "en"):
        table = i18n.messages(lang)
        missing = [p + s for s in states for p in ("now.", "now.voice.") if p + s not in table]
        missing += ["timeline." + k for k in timeline.STEP_KEYS if "timeline." + k not in table]
        missing += ["timeline.voice." + k for k in wording.VOICE_STEPS if "timeline.voice." + k not in table]
        assert missing == [], (lang, missing)
