"""The joint survey's public surface: the only module other packages (web/, the CLI) import.

Use cases take the acting ``Actor`` and check its role on the commission themselves; reads return
the wire Structs of ``surveys.schemas``. Labels come from ``rules.labels`` (one place for the API,
the certificates and the pages); the CLI measures a DXF with the layer convention.
"""

from __future__ import annotations

from surveys.formats.indicators import Indicators, Measurement, measure_dxf, measure_file
from surveys.rules.certificates import certificate_kinds
from surveys.rules.convention import DEFAULT_CONVENTION, LayerConvention
from surveys.rules.entry import (
    DECLARED_FIELDS,
    EntryField,
    boundary_text,
    declared_form,
    declared_from,
    figure,
    permitted_fields,
    read_boundary,
    read_figures,
    read_units,
    typed,
)
from surveys.rules.labels import (
    CERTIFICATE_TITLES,
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
    OrganisationChoice,
    PackageOut,
    PackageVersionOut,
    PermittedOut,
    PropertySectionOut,
    SubmittedOut,
)
from surveys.services.certificates import issue_certificate, list_certificates
from surveys.services.checks import check_view, decide_check, permitted_view, set_permitted
from surveys.services.commissions import (
    commission_view,
    create_commission,
    department_choices,
    grant_department,
    grantable_departments,
    list_commissions,
    my_commissions,
    owner_registrable_purchases,
    registrable_purchases,
)
from surveys.services.package_views import (
    history,
    package_versions,
    package_view,
    property_section,
)
from surveys.services.packages import submit_package, submit_package_bytes, upload_file
from surveys.services.policy_files import load_convention, rule_set, rule_sets
from surveys.services.stats import SOURCE as STATS_SOURCE

__all__ = [
    "CERTIFICATE_TITLES",
    "CHECK_STATUS_LABELS",
    "COMMISSION_STATUS_LABELS",
    "DECISION_LABELS",
    "DECLARED_FIELDS",
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
    "EntryField",
    "FileOut",
    "HistoryOut",
    "Indicators",
    "LayerConvention",
    "Measurement",
    "OrganisationChoice",
    "PackageOut",
    "PackageVersionOut",
    "PermittedOut",
    "PropertySectionOut",
    "QcReport",
    "SubmittedOut",
    "UnitArea",
    "boundary_text",
    "certificate_kinds",
    "check_view",
    "commission_view",
    "create_commission",
    "decide_check",
    "declared_form",
    "declared_from",
    "department_choices",
    "figure",
    "grant_department",
    "grantable_departments",
    "history",
    "issue_certificate",
    "list_certificates",
    "list_commissions",
    "load_convention",
    "measure_dxf",
    "measure_file",
    "my_commissions",
    "owner_registrable_purchases",
    "package_versions",
    "package_view",
    "permitted_fields",
    "permitted_view",
    "property_section",
    "read_boundary",
    "read_figures",
    "read_units",
    "registrable_purchases",
    "rule_set",
    "rule_sets",
    "set_permitted",
    "submit_package",
    "submit_package_bytes",
    "typed",
    "upload_file",
]
