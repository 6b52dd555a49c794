"""Printing through the UI: the preview of a case (pages, zoom), printing on a QPrinter with
copies, PDF export and the audit, batch print of selected cases and blank forms."""

from __future__ import annotations

import io

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from jydesk.store import cases as svc
from jydesk.store.models import AuditEntry, Person
from jydesk.ui.printing.support import new_printer

from ..cases.case_helpers import new_case_through_dialog, wait_listed


def wait_rendered(qtbot, preview) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: preview._job is None and preview.document is not None, timeout=15000)


def test_preview_pages_print_to_pdf_and_audit(main_window, qtbot, demo_store, tmp_path):  # type: ignore[no-untyped-def]
    case_id = new_case_through_dialog(main_window, qtbot, demo_store)
    editor = main_window.panel("case_form").editor
    preview = main_window.panel("print_preview")
    qtbot.mouseClick(editor.print_button, Qt.MouseButton.LeftButton)
    wait_rendered(qtbot, preview)
    expected = len(PdfReader(io.BytesIO(preview.pdf)).pages)
    assert expected >= 2
    assert preview.page_count() == expected and f"/ {expected} 页" in preview.page_label.text()
    assert preview.current_page() == 0 and not preview.prev_button.isEnabled()
    qtbot.mouseClick(preview.next_button, Qt.MouseButton.LeftButton)
    assert preview.current_page() == 1 and preview.page_box.value() == 2
    preview.zoom_box.setCurrentText("150%")
    assert abs(preview.view.zoomFactor() - 1.5) < 1e-6

    printer = new_printer()  # A4, as the dialog offers it
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(150)
    out = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(out))
    assert preview.print_to(printer)
    printed = PdfReader(str(out))
    assert len(printed.pages) == expected
    for page in printed.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595) < 3 and abs(height - 842) < 3  # A4 portrait
        assert page.images, "each printed page carries the rendered form"

    # 本表一式两份: a printer that cannot make copies itself gets the pages twice.
    twice = new_printer(copies=2)
    twice.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    twice.setResolution(72)
    twice.setOutputFileName(str(tmp_path / "twice.pdf"))
    assert preview.print_to(twice)
    assert len(PdfReader(str(tmp_path / "twice.pdf")).pages) == 2 * expected

    saved = tmp_path / "copy.pdf"
    assert preview.save_pdf_to(saved)
    assert len(PdfReader(str(saved)).pages) == expected
    with demo_store.read() as s:
        audits = s.execute(select(AuditEntry).where(AuditEntry.action == "print",
                                                    AuditEntry.record_id == case_id)).scalars().all()
    assert len(audits) == 3 and str(out) in audits[0].detail and str(saved) in audits[2].detail
    assert f"{2 * expected}页" in audits[1].detail


def test_batch_print_of_selected_cases_and_blank_forms(main_window, qtbot, demo_store, demo_actor):  # type: ignore[no-untyped-def]
    with demo_store.read() as s:
        heads = s.execute(select(Person).where(Person.relation == "本人").order_by(Person.id).limit(3)).scalars().all()
    ids = [svc.create_case(demo_store, demo_actor, "dibao", household_id=p.household_id, applicant_id=p.id)
           for p in heads]
    panel = main_window.panel("cases")
    panel.reload()
    wait_listed(qtbot, panel)
    panel.view.clearSelection()
    for r, row in enumerate(panel.model.rows):
        if row.id in ids:
            panel.view.selectionModel().select(panel.model.index(r, 0),
                                               panel.view.selectionModel().SelectionFlag.Select
                                               | panel.view.selectionModel().SelectionFlag.Rows)
    assert sorted(panel.selected_ids()) == sorted(ids)
    assert "3" in panel.print_button.text()
    preview = main_window.panel("print_preview")
    qtbot.mouseClick(panel.print_button, Qt.MouseButton.LeftButton)
    wait_rendered(qtbot, preview)
    singles = [len(PdfReader(io.BytesIO(svc_pdf)).pages) for svc_pdf in _single_pdfs(demo_store, ids)]
    assert preview.page_count() == sum(singles)
    assert preview.progress.isHidden()

    preview.show_blank("dibao")
    wait_rendered(qtbot, preview)
    assert preview.request is not None and preview.request.blank
    assert preview.page_count() == len(PdfReader(io.BytesIO(preview.pdf)).pages)


def _single_pdfs(store, ids):  # type: ignore[no-untyped-def]
    from jydesk.printing import render_form

    return [render_form(defn, values, number=number) for defn, values, number in svc.print_items(store, ids)]
