"""Documents the system writes (.docx with python-docx): certificate, decision, audit reports.

Each module exposes `render_<what>(…) -> bytes`. Texts are bilingual by design (Vietnamese
first, English second), so they are written here rather than taken from the catalogues.
"""
