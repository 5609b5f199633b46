"""The marketplace's public surface: the only module other domains and the pages import.

Use cases (each checks its caller's rights), read models, labels and the pure rules the pages
show (draw proof verification, the sign-up deadline floor). ``surveys`` uses the purchase facts,
evidence attachment and result submission; ``web`` everything a page renders or posts.
"""

from __future__ import annotations

from market.demo import purchase_in_service as demo_purchase_in_service
from market.open_data.bulk import export as export_ocds
from market.open_data.coverage import field_coverage as ocds_field_coverage
from market.read_models import (
    Application,
    ComplaintView,
    Correction,
    EvidenceFile,
    GuideRecord,
    ItemGuide,
    NegativeRecordView,
    OnboardingQueue,
    PurchaseDocuments,
    PurchaseFacts,
    QualificationRecord,
)
from market.rules.catalog import parse_catalog
from market.rules.draw import DrawProof, proof_to_dict, verify_proof
from market.rules.eligibility import quote_text
from market.rules.labels import (
    EVIDENCE_KINDS,
    FUND_LABELS,
    LIGHT_LABELS,
    METHOD_LABELS,
    NEGATIVE_KINDS,
    PURPOSE_LABELS,
    QUOTE_TYPE_LABELS,
    RATING_DIMENSIONS,
    REVIEW_STATUS_LABELS,
    STATUS_LABELS,
)
from market.rules.red_flags import RULES as RED_FLAG_RULES
from market.rules.stats import RULES as STATS_RULES
from market.rules.stats import Figure as StatsFigure
from market.schemas import (
    AvoidedIn,
    CatalogEntryOut,
    ChangeView,
    CorrectionIn,
    CorrectionView,
    DirectoryPage,
    EvidenceOut,
    FlagOut,
    HistoryOut,
    ProfileOut,
    PublicComplaintOut,
    PurchaseIn,
    PurchaseOut,
    QualificationRuleIn,
    RequiredQualificationIn,
    SignupOut,
    WitnessIn,
)
from market.services.access import require_supervisor
from market.services.award import (
    abandon,
    choose,
    redraw,
    run_due,
    run_selection,
    run_selection_now,
)
from market.services.catalogue import (
    catalog_item,
    list_catalog,
    load_catalog,
    qualification_types,
)
from market.services.complaints import (
    answer_complaint,
    complaints_to_handle,
    file_complaint,
    public_complaints,
)
from market.services.corrections import correct, correction_open
from market.services.corrections import current as announcement_now
from market.services.credit_records import (
    add_blacklist,
    blacklist_in_force,
    decide_record,
    intermediary_named,
    negative_records,
)
from market.services.delivery import (
    accept_result,
    confirm_contract,
    extend,
    purchase_documents,
    return_result,
    submit_result,
    upload_contract,
)
from market.services.directory import public_profile, search_directory
from market.services.evidence import attach_evidence, evidence_for_reading, my_evidence
from market.services.guides import item_guides, my_guides, upsert_guide
from market.services.onboarding import apply, my_application, onboarding_queue, review
from market.services.purchase_views import (
    board_purchases,
    draw_proof,
    eligible_open_purchases,
    eligible_page,
    history,
    list_purchases,
    my_signups,
    purchase_facts,
    purchase_view,
    running_services,
    signup_obstacles,
    won_purchases,
)
from market.services.purchases import (
    cancel,
    create,
    draft,
    publish,
    reprocure,
    suggested_signup_deadline,
    update_draft,
)
from market.services.qualifications import (
    declare_qualification,
    my_qualifications,
    qualification_grades,
    review_qualification,
)
from market.services.ratings import rate
from market.services.red_flags import flagged_purchases
from market.services.red_flags import purchase_flags as purchase_red_flags
from market.services.red_flags import review as review_red_flags
from market.services.signups import SIGNUPS_AT_ONCE, list_signups, sign_up, submit_quote
from market.services.stats import Query as StatsQuery
from market.services.stats import all_rules as stats_rules
from market.services.stats import catalogue_labels as stats_item_labels
from market.services.stats import districts as stats_districts
from market.services.stats import figures as stats_figures
from market.services.stats import parse_query as parse_stats_query
from market.services.stats import refresh as refresh_stats
from market.services.supervision import flags, sweep_now

__all__ = [
    "EVIDENCE_KINDS",
    "FUND_LABELS",
    "LIGHT_LABELS",
    "METHOD_LABELS",
    "NEGATIVE_KINDS",
    "PURPOSE_LABELS",
    "QUOTE_TYPE_LABELS",
    "RATING_DIMENSIONS",
    "RED_FLAG_RULES",
    "REVIEW_STATUS_LABELS",
    "SIGNUPS_AT_ONCE",
    "STATS_RULES",
    "STATUS_LABELS",
    "Application",
    "AvoidedIn",
    "CatalogEntryOut",
    "ChangeView",
    "ComplaintView",
    "Correction",
    "CorrectionIn",
    "CorrectionView",
    "DirectoryPage",
    "DrawProof",
    "EvidenceFile",
    "EvidenceOut",
    "FlagOut",
    "GuideRecord",
    "HistoryOut",
    "ItemGuide",
    "NegativeRecordView",
    "OnboardingQueue",
    "ProfileOut",
    "PublicComplaintOut",
    "PurchaseDocuments",
    "PurchaseFacts",
    "PurchaseIn",
    "PurchaseOut",
    "QualificationRecord",
    "QualificationRuleIn",
    "RequiredQualificationIn",
    "SignupOut",
    "StatsFigure",
    "StatsQuery",
    "WitnessIn",
    "abandon",
    "accept_result",
    "add_blacklist",
    "announcement_now",
    "answer_complaint",
    "apply",
    "attach_evidence",
    "blacklist_in_force",
    "board_purchases",
    "cancel",
    "catalog_item",
    "choose",
    "complaints_to_handle",
    "confirm_contract",
    "correct",
    "correction_open",
    "create",
    "decide_record",
    "declare_qualification",
    "demo_purchase_in_service",
    "draft",
    "draw_proof",
    "eligible_open_purchases",
    "eligible_page",
    "evidence_for_reading",
    "export_ocds",
    "extend",
    "file_complaint",
    "flagged_purchases",
    "flags",
    "history",
    "intermediary_named",
    "item_guides",
    "list_catalog",
    "list_purchases",
    "list_signups",
    "load_catalog",
    "my_application",
    "my_evidence",
    "my_guides",
    "my_qualifications",
    "my_signups",
    "negative_records",
    "ocds_field_coverage",
    "onboarding_queue",
    "parse_catalog",
    "parse_stats_query",
    "proof_to_dict",
    "public_complaints",
    "public_profile",
    "publish",
    "purchase_documents",
    "purchase_facts",
    "purchase_red_flags",
    "purchase_view",
    "qualification_grades",
    "qualification_types",
    "quote_text",
    "rate",
    "redraw",
    "refresh_stats",
    "reprocure",
    "require_supervisor",
    "return_result",
    "review",
    "review_qualification",
    "review_red_flags",
    "run_due",
    "run_selection",
    "run_selection_now",
    "running_services",
    "search_directory",
    "sign_up",
    "signup_obstacles",
    "stats_districts",
    "stats_figures",
    "stats_item_labels",
    "stats_rules",
    "submit_quote",
    "submit_result",
    "suggested_signup_deadline",
    "sweep_now",
    "update_draft",
    "upload_contract",
    "upsert_guide",
    "verify_proof",
    "won_purchases",
]
