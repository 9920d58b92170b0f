"""Project-list imports (CSV/XLSX) into the `projects` layer; see :mod:`.projects_import`."""
from .projects_import import ImportReport, format_report, import_projects, import_table

__all__ = ["ImportReport", "format_report", "import_projects", "import_table"]
