"""Every form prints: labels REFERENCE.md requires, the record's values, page numbering, fonts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jydesk.domain.forms import FormDefinition, load_definitions
from jydesk.domain.forms.values import display
from jydesk.printing import render_batch, render_form
from tests.printing.form_samples import NUMBERS, TODAY, sample
from tests.printing.pdf_text import compact_text, normalise, page_texts, reader

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"
OPINIONS = ["意见", "签名", "盖章", "年", "月", "日", "编号"]
LEVELS = ["村(居)委会", "乡镇(街道)", "县级民政"]
CASE_COMMON = [*OPINIONS, *LEVELS, "签名或手印"]

# The minimum content of each printed form, from shared/domain/REFERENCE.md.
REQUIRED_LABELS: dict[str, list[str]] = {
    "dibao": [*CASE_COMMON, "最低生活保障申请审核确认表", "申请日期", "姓名", "性别", "年龄", "出生年月", "身份证号",
              "联系电话", "户籍所在地", "现住址", "城市", "农村", "家庭人口", "与户主关系", "健康状况", "残疾等级",
              "就业/从业状况", "月收入", "家庭月总收入", "月人均收入", "家庭财产", "住房", "机动车辆", "金融资产",
              "申请理由", "致贫原因", "入户调查", "调查人", "调查日期", "民主评议", "公示", "起止日期", "有无异议",
              "保障人口", "保障类别", "保障标准", "月人均收入差额", "户月保障金额",
              # 2021 rules (第2版): 单人户, 近亲属备案, 刚性支出, two investigators and the interviewee sign, account
              "整户", "单人户", "申请保障人口", "近亲属关系申明", "医疗刚性支出", "教育刚性支出", "被调查人(签名或手印)",
              "社会保障卡", "开户银行", "账号", "乡镇(街道)初审意见", "县级民政部门审核确认意见", "审核确认结果"],
    "dibao-auth": ["家庭经济状况核对授权书", "编号", "授权", "核对", "收入", "财产", "真实", "姓名", "身份证号",
                   "签名(手印)", "监护人", "年", "月", "日"],
    "tekun": [*CASE_COMMON, "特困人员救助供养申请审核确认表", "申请日期", "姓名", "性别", "出生年月", "身份证号", "户籍",
              "住址", "联系电话", "劳动能力", "生活来源", "法定义务人", "履行能力", "残疾类别", "残疾等级",
              "自理能力", "供养方式", "集中供养", "分散供养", "护理人", "住房", "财产", "与申请人关系",
              "乡镇(街道)初审意见", "县级民政部门审核确认意见"],
    "linshi": [*CASE_COMMON, "临时救助申请审批表", "申请日期", "户主姓名", "性别", "家庭人口", "身份证号",
               "户籍所在地", "现居住地", "联系电话", "困难类型", "困难原因", "上次救助时间", "上次救助金额",
               "本年累计救助次数", "本年累计救助金额", "其他社会救助享受情况", "核实情况", "调查人", "调查日期",
               "建议救助金额", "户籍类型", "非本地户籍(无居住证)", "开户银行", "户名", "账号"],
    "canji": [*CASE_COMMON, "困难残疾人生活补贴和重度残疾人护理补贴申请审批表", "申请人(或监护人)", "申请时间", "姓名",
              "性别", "出生年月", "残疾证号", "残疾类别", "残疾等级", "身份证号", "联系电话", "是否低保", "城市", "农村",
              "是否特困", "是否领取工伤护理费", "是否享受其他同类补贴", "开户银行", "户名", "银行卡号", "户籍地址",
              "乡镇", "村", "组", "申请原因", "审核意见", "审定意见", "监护人", "与申请人关系"],
    "gaoling": [*CASE_COMMON, "高龄津贴申请表", "申请日期", "姓名", "性别", "出生年月", "身份证号", "户籍地址",
                "联系电话", "开户银行", "账号", "核实意见", "公示", "审核意见", "审批意见", "代理人姓名", "代理人身份证号",
                "与申请人关系"],
    "wuren": [*CASE_COMMON, "事实无人抚养儿童基本生活补贴申请表", "申请日期", "姓名", "性别", "出生日期", "身份证号",
              "户籍", "父亲", "母亲", "情形", "重残", "重病", "服刑", "戒毒", "死亡", "失踪", "失联", "证明材料",
              "监护人", "关系", "电话", "开户银行", "账号", "被撤销监护资格", "被遣送出境", "期限(月)", "就学情况",
              "已享受保障", "孤儿基本生活费", "与儿童关系"],
    "visit": ["探访记录表", "编号", "表达能力", "行动能力", "反应能力", "疾病情况", "精神状况", "衣食住行医", "享受待遇",
              "赡养", "联系", "安全", "水电气", "生活照料", "康复护理", "精神慰藉", "居家适老化改造", "探访日期", "时间",
              "探访方式", "入户", "电话", "视频", "探访人", "发现问题", "处理/转介", "下次探访日期",
              "被探访人或家属签名", "探访等级", "高风险"],
    "notice": ["社会救助申请办理告知书", "申请人", "身份证号", "申请事项", "办理结果", "理由",
               "行政复议", "本人已收到本告知书", "签名或手印"],
    "review": ["社会救助对象定期复核表", "保障类别", "保障人数", "现月保障金额", "复核日期", "复核方式", "信息核对",
               "复核人", "复核结论", "无变化", "建议变更", "处理建议", "复核人签名"],
    "proof": ["生存认证记录", "认证对象", "认证日期", "认证方式", "入户", "视频", "电话", "到场", "认证人", "认证结论",
              "情况说明", "认证人签名"],
}


@pytest.fixture(scope="module")
def definitions() -> dict[str, FormDefinition]:
    return load_definitions(FORMS_DIR)


def _values_to_find(defn: FormDefinition, values: dict[str, Any]) -> list[str]:
    """Printed texts of the record: names, full ID numbers, amounts, dates … (choices are boxes)."""
    wanted = []
    for spec in defn.fields:
        value = values.get(spec.key)
        if value in (None, "", []) or not spec.printed:
            continue
        if spec.type.value == "table":
            for row in value:
                for col in spec.columns:
                    if col.printed and row.get(col.key) not in (None, ""):
                        wanted.append(display(col, row[col.key]))
        elif spec.type.value in ("text", "longtext", "id_number", "phone", "bank_account", "money", "integer", "date"):
            wanted.append(display(spec, value))
    return wanted


def test_every_form_is_covered(definitions: dict[str, FormDefinition]) -> None:
    assert set(definitions) == set(REQUIRED_LABELS)


@pytest.mark.parametrize("code", sorted(REQUIRED_LABELS))
def test_filled_form_has_labels_and_values(definitions: dict[str, FormDefinition], code: str) -> None:
    defn = definitions[code]
    values = sample(defn)
    assert defn.validate(values) == [], "the sample record must be valid"
    pdf = render_form(defn, values, number=NUMBERS[code], printed_on=TODAY)
    text = compact_text(pdf)
    missing = [label for label in REQUIRED_LABELS[code] if normalise(label) not in text]
    assert not missing, f"{code}: labels missing from the PDF: {missing}"
    wanted = _values_to_find(defn, values)
    assert len(wanted) >= (7 if code in ("notice", "proof") else 10)  # the 告知书, 生存认证 are short
    absent = [v for v in wanted if normalise(v) not in text]
    assert not absent, f"{code}: values missing from the PDF: {absent}"
    assert normalise(NUMBERS[code]) in text
    # the full 身份证号 is printed on paper, never masked
    assert "*" not in text


@pytest.mark.parametrize("code", sorted(REQUIRED_LABELS))
def test_blank_form_has_labels_and_no_values(definitions: dict[str, FormDefinition], code: str) -> None:
    defn = definitions[code]
    pdf = render_form(defn, None, blank=True, printed_on=TODAY)
    text = compact_text(pdf)
    missing = [label for label in REQUIRED_LABELS[code] if normalise(label) not in text]
    assert not missing, f"{code}: labels missing from the blank form: {missing}"
    assert "曾德明" not in text and "510185" not in text
    assert "年月日" in text  # dates left to be written by hand
    assert "编号：" in "".join(p.extract_text() for p in reader(pdf).pages)


def test_check_boxes_tick_only_the_chosen_option(definitions: dict[str, FormDefinition]) -> None:
    defn = definitions["dibao"]
    text = compact_text(render_form(defn, sample(defn), printed_on=TODAY))
    assert "✓城市农村" in text
    assert "✓因病✓因残因学" in text


def test_pages_are_numbered_and_dated(definitions: dict[str, FormDefinition]) -> None:
    defn = definitions["dibao"]
    pdf = render_form(defn, sample(defn), number="DB-1", printed_on=TODAY)
    pages = page_texts(pdf)
    assert len(pages) == 2
    for index, page in enumerate(pages, 1):
        assert f"第{index}页/共2页" in page
        assert "打印日期：2026年5月18日" in page
        assert "编号：DB-1" in page
    assert "最低生活保障申请审核确认表(续)" in pages[1]
    assert "本表一式两份" in pages[0]


def test_font_is_embedded_as_a_subset(definitions: dict[str, FormDefinition]) -> None:
    pdf = render_form(definitions["visit"], sample(definitions["visit"]), printed_on=TODAY)
    fonts = reader(pdf).pages[0]["/Resources"]["/Font"]
    embedded = [f.get_object() for f in fonts.values()]
    cjk = [f for f in embedded if "WenQuanYi" in str(f["/BaseFont"]) or "WQY" in str(f["/BaseFont"])]
    assert cjk, [str(f["/BaseFont"]) for f in embedded]
    for font in cjk:
        assert "+" in str(font["/BaseFont"])  # subset tag, e.g. AAAAAA+WenQuanYiMicroHei
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert len(pdf) < 200_000


def test_long_text_continues_on_a_continuation_sheet(definitions: dict[str, FormDefinition]) -> None:
    defn = definitions["dibao"]
    values = sample(defn)
    story = "".join(f"第{i}段：家中老人卧病在床，子女外出务工收入微薄，医疗支出逐年增加。" for i in range(1, 22))
    values["reason"] = story
    assert defn.validate(values) == []
    pdf = render_form(defn, values, printed_on=TODAY)
    pages = page_texts(pdf)
    assert len(pages) == 3
    assert "见续页" in pages[0]
    assert "续页" in pages[2] and "申请理由" in pages[2]
    assert normalise(story) in pages[2]  # nothing is lost: the whole text is on the continuation sheet


def test_many_members_continue_with_the_table_header(definitions: dict[str, FormDefinition]) -> None:
    defn = definitions["linshi"]
    values = sample(defn)
    values["members"] = values["members"] * 9
    pdf = render_form(defn, values, printed_on=TODAY)
    pages = page_texts(pdf)
    assert sum(p.count("510185199001050350") for p in pages) == 9
    assert all("身份证号" in p for p in pages[:2])


def test_invalid_draft_values_are_printed_as_entered(definitions: dict[str, FormDefinition]) -> None:
    defn = definitions["dibao"]
    values = sample(defn)
    values["applicant_phone"] = "12345"
    values["residence"] = "郊区"
    text = compact_text(render_form(defn, values, printed_on=TODAY))
    assert "12345" in text and "郊区" in text


def test_batch_is_one_pdf_numbered_per_form_with_progress(definitions: dict[str, FormDefinition]) -> None:
    items = [(definitions[c], sample(definitions[c]), NUMBERS[c]) for c in ("visit", "dibao", "gaoling")]
    calls: list[tuple[int, int]] = []
    pdf = render_batch(items, lambda done, total: calls.append((done, total)), printed_on=TODAY)
    pages = page_texts(pdf)
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert len(pages) == 1 + 2 + 1
    assert "第1页/共1页" in pages[0] and "第2页/共2页" in pages[2] and "第1页/共1页" in pages[3]
    assert normalise(NUMBERS["gaoling"]) in pages[3]


def test_canji_fits_on_one_page_filled_and_blank(definitions: dict[str, FormDefinition]) -> None:
    """The 两项补贴 form, with its 监护人 block (第2版), is one sheet (issue 18)."""
    defn = definitions["canji"]
    for values, blank in ((sample(defn), False), (None, True)):
        pdf = render_form(defn, values, number=NUMBERS["canji"], blank=blank, printed_on=TODAY)
        assert len(page_texts(pdf)) == 1
