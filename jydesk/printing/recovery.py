"""The recovery key sheet: one A4 page for the town office (village, date, key in groups)."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from jydesk.printing.fonts import register


def recovery_sheet(village: str, recovery_key: str, day: date) -> bytes:
    """PDF bytes of the sheet; the key is printed in groups of four, three groups a line."""
    font = register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle("jydesk 恢复密钥")
    width, height = A4
    y = height - 30 * mm
    canvas.setFont(font, 20)
    canvas.drawCentredString(width / 2, y, "简阳市民政专干业务系统 — 数据恢复密钥")
    canvas.setFont(font, 12)
    y -= 16 * mm
    for line in (f"村(社区)：{village}", f"日期：{day:%Y年%m月%d日}"):
        canvas.drawString(25 * mm, y, line)
        y -= 9 * mm
    groups = recovery_key.split("-")
    canvas.setFont("Courier-Bold", 18)
    y -= 6 * mm
    for i in range(0, len(groups), 3):
        canvas.drawString(35 * mm, y, "  -  ".join(groups[i:i + 3]))
        y -= 11 * mm
    canvas.setFont(font, 11)
    y -= 6 * mm
    for line in ("本机数据已加密。所有专干密码都遗失时，凭此恢复密钥才能打开本机数据和备份。",
                 "请交乡镇（街道）民政办公室保管，不要与电脑放在一起，不要拍照或存入电脑。",
                 "恢复密钥也遗失时，本机数据无法恢复；已同步到市级平台的数据可由新登记的电脑重新下载。",
                 "打印后请删除保存的 PDF 文件。"):
        canvas.drawString(25 * mm, y, line)
        y -= 8 * mm
    canvas.showPage()
    canvas.save()
    return out.getvalue()
