"""The joint survey's public surface: the only module other packages (web/, the CLI) import.

Use cases take the acting ``Actor`` and check its role on the commission themselves; reads return
the wire Structs of ``surveys.schemas``. Labels come from ``rules.labels`` (one place for the API,
the certificates and the pages); the CLI measures a DXF with the layer convention.
"""

from __future__ import annotations

from surveys.formats.indicators import Indicators, Measurement, measure_dxf, measure_file
from surveys.rules.convention import DEFAULT_CONVENTION, LayerConvention
from surveys.rules.labels import (
    CHECK_STATUS_LABELS,
    COMMISSION_STATUS_LABELS,
    DECISION_LABELS,
    DEPARTMENT_LABELS,
    DIRECTION_LABELS,
    ITEM_LABELS,
    OUTCOME_LABELS,
    STAGE_LABELS,
)
from surveys.rules.sections import DeclaredIndicators, QcReport, UnitArea
from surveys.schemas import (
    CertificateOut,
    CheckOut,
    CommissionOut,
    FileOut,
    HistoryOut,
    PackageOut,
    PropertySectionOut,
    SubmittedOut,
)
from surveys.services.certificates import issue_certificate, list_certificates
from surveys.services.checks import check_view, decide_check, set_permitted
from surveys.services.commissions import (
    commission_view,
    create_commission,
    grant_department,
    list_commissions,
)
from surveys.services.package_views import history, package_view, property_section
from surveys.services.packages import submit_package, submit_package_bytes, upload_file
from surveys.services.policy_files import load_convention
from surveys.services.stats import SOURCE as STATS_SOURCE

__all__ = [
    "CHECK_STATUS_LABELS",
    "COMMISSION_STATUS_LABELS",
    "DECISION_LABELS",
    "DEFAULT_CONVENTION",
    "DEPARTMENT_LABELS",
    "DIRECTION_LABELS",
    "ITEM_LABELS",
    "OUTCOME_LABELS",
    "STAGE_LABELS",
    "STATS_SOURCE",
    "CertificateOut",
    "CheckOut",
    "CommissionOut",
    "DeclaredIndicators",
    "FileOut",
    "HistoryOut",
    "Indicators",
    "LayerConvention",
    "Measurement",
    "PackageOut",
    "PropertySectionOut",
    "QcReport",
    "SubmittedOut",
    "UnitArea",
    "check_view",
    "commission_view",
    "create_commission",
    "decide_check",
    "grant_department",
    "history",
    "issue_certificate",
    "list_certificates",
    "list_commissions",
    "load_convention",
    "measure_dxf",
    "measure_file",
    "package_view",
    "property_section",
    "set_permitted",
    "submit_package",
    "submit_package_bytes",
    "upload_file",
]
