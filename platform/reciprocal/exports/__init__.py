"""Exports: any list or report as a table that downloads as CSV or XLSX, shown exactly as on its page."""
