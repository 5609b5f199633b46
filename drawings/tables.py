"""Drawing-set tables (Piccolo). JSON is stored as text and decoded in services.

Uniqueness across two columns is kept in a ``key`` column (``"<project id>/<sheet number>"``
etc.) so both SQLite and PostgreSQL enforce it without composite constraints.
"""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Organisation
from kernel.columns import ClockNow


class DrawingProject(Table, tablename="drawings_project"):
    """One authoritative drawing set per project, keyed by its 项目代码."""

    id = Serial(primary_key=True)
    project_code = Varchar(length=32, unique=True, index=True)
    name = Varchar(length=200)
    owner = ForeignKey(references=Organisation, index=True)
    created_at = Timestamptz(default=ClockNow())
    archived_at = Timestamptz(null=True, default=None)
    archive_sha256 = Varchar(length=64, default="")
    archive_size = BigInt(default=0)


class DrawingGrant(Table, tablename="drawings_grant"):
    """An organisation's access to a project's set (departments, review agency, designers)."""

    id = Serial(primary_key=True)
    key = Varchar(length=64, unique=True)  # "<project>/<organisation>"
    project = ForeignKey(references=DrawingProject, index=True)
    organisation = ForeignKey(references=Organisation, index=True)
    role = Varchar(length=20)  # read | review | contribute
    granted_by = Varchar(length=200)
    created_at = Timestamptz(default=ClockNow())


class UploadDelegation(Table, tablename="drawings_upload_delegation"):
    """The owner lets another domain add revisions to some sheets of the set on its behalf.

    Joint surveys: when the owner registers a commission, the commission (``holder``
    ``survey:<id>``) may file the surveyor's result files and the departments' certificates under
    the sheets named ``联合测绘-<stage>-…``. The other domain names the holder when it adds a
    revision; the upload check accepts it only for a sheet under ``sheet_prefix``.
    """

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)  # "<project>/<holder>"
    project = ForeignKey(references=DrawingProject, index=True)
    holder = Varchar(length=120)
    sheet_prefix = Varchar(length=64)
    granted_by = Varchar(length=200)
    created_at = Timestamptz(default=ClockNow())


class Sheet(Table, tablename="drawings_sheet"):
    id = Serial(primary_key=True)
    key = Varchar(length=120, unique=True)  # "<project>/<number>"
    project = ForeignKey(references=DrawingProject, index=True)
    number = Varchar(length=64)
    title = Varchar(length=200, default="")
    discipline = Varchar(length=40, default="")
    stage = Varchar(length=20, default="design")
    created_at = Timestamptz(default=ClockNow())


class Revision(Table, tablename="drawings_revision"):
    """One immutable uploaded file of a sheet."""

    id = Serial(primary_key=True)
    key = Varchar(length=140, unique=True)  # "<sheet>/<seq>"
    project = ForeignKey(references=DrawingProject, index=True)
    sheet = ForeignKey(references=Sheet, index=True)
    seq = Integer()  # 1, 2, ... within the sheet
    sha256 = Varchar(length=64, index=True)
    size = BigInt()
    format = Varchar(length=8)  # dxf | dwg | pdf
    filename = Varchar(length=255, default="")
    status = Varchar(length=12, default="processing", index=True)
    error = Text(default="")
    error_code = Varchar(length=32, default="")  # "" or a stable code (rules.sweep.INTERRUPTED)
    # Processing runs started, and when the last one started or the sweep last re-queued it.
    attempts = Integer(default=0)
    attempted_at = Timestamptz(null=True, default=None)
    metadata = Text(default="{}")
    warnings = Text(default="[]")
    preview_sha256 = Varchar(length=64, default="")
    state = Varchar(length=12, default="wip", index=True)
    uploaded_by = Varchar(length=200)
    uploaded_org = ForeignKey(references=Organisation)
    created_at = Timestamptz(default=ClockNow())
    processed_at = Timestamptz(null=True, default=None)
    certificate_number = Varchar(length=64, default="")
    reviewer = Varchar(length=200, default="")
    review_org = Integer(null=True, default=None)  # organisation id that published it
    published_at = Timestamptz(null=True, default=None)
    stamped_sha256 = Varchar(length=64, default="")
    signed_sha256 = Varchar(length=64, default="")  # the PDF with every seal so far ("" = none)


class RevisionSignature(Table, tablename="drawings_signature"):
    """One PAdES signature applied to a PDF revision (an incremental update of the signed copy).

    The row records who signed, as what and where; whether the signature is still valid is
    always read from the signed file itself (pyHanko), never from this row.
    """

    id = Serial(primary_key=True)
    key = Varchar(length=120, unique=True)  # "<revision>/<purpose>/<role>[/<change>]"
    project = ForeignKey(references=DrawingProject, index=True)
    revision = ForeignKey(references=Revision, index=True)
    purpose = Varchar(length=12)  # design | review | change | asbuilt
    role = Varchar(length=24)
    field_name = Varchar(length=64)
    change = Integer(null=True, default=None)  # the design change a confirmation is for
    page = Integer(default=1)
    x = Float()
    y = Float()
    signer = Varchar(length=200)  # actor label
    person = Varchar(length=200)
    organisation = ForeignKey(references=Organisation)
    org_name = Varchar(length=200)
    uscc = Varchar(length=32)
    certificate_sha256 = Varchar(length=64)
    source_sha256 = Varchar(length=64)  # the PDF that was signed
    signed_sha256 = Varchar(length=64)  # the PDF with this signature appended
    created_at = Timestamptz(default=ClockNow())


class RevisionText(Table, tablename="drawings_revision_text"):
    """Extracted text in search-sized chunks; the search index is rebuilt from these rows."""

    id = Serial(primary_key=True)
    key = Varchar(length=40, unique=True)  # "<revision>-<chunk>" = search document id
    revision = ForeignKey(references=Revision, index=True)
    chunk = Integer()
    text = Text()


class DesignChange(Table, tablename="drawings_design_change"):
    """A change after review: minor (ruling recorded) or major (re-review required)."""

    id = Serial(primary_key=True)
    project = ForeignKey(references=DrawingProject, index=True)
    sheet = ForeignKey(references=Sheet, index=True)
    base_revision = ForeignKey(references=Revision)  # the published revision being changed
    revision = Integer(null=True, default=None)  # the new revision carrying the change
    kind = Varchar(length=8)  # minor | major
    description = Text()
    status = Varchar(length=16, default="pending")  # pending | approved | rejected
    ruling = Text(default="")
    requested_by = Varchar(length=200)
    decided_by = Varchar(length=200, default="")
    created_at = Timestamptz(default=ClockNow())
    decided_at = Timestamptz(null=True, default=None)


class ReviewComment(Table, tablename="drawings_comment"):
    """A review opinion pinned to a revision at a point (x, y) or a box (x..x2, y..y2)."""

    id = Serial(primary_key=True)
    revision = ForeignKey(references=Revision, index=True)
    sheet = ForeignKey(references=Sheet, index=True)
    x = Float()
    y = Float()
    x2 = Float(null=True, default=None)
    y2 = Float(null=True, default=None)
    page = Integer(default=1)
    clause = Varchar(length=200, default="")
    severity = Varchar(length=12, default="minor")  # info | minor | major
    mandatory = Boolean(default=False)  # 强制性条文 (强条)
    body = Text()
    status = Varchar(length=12, default="open", index=True)  # open | answered | closed
    reply = Text(default="")
    author = Varchar(length=200)
    author_org = ForeignKey(references=Organisation)
    replied_by = Varchar(length=200, default="")
    closed_by = Varchar(length=200, default="")
    carried_from = Integer(null=True, default=None)
    created_at = Timestamptz(default=ClockNow())
    updated_at = Timestamptz(default=ClockNow())


class PendingUpload(Table, tablename="drawings_pending_upload"):
    """A presigned direct-to-MinIO upload awaiting confirmation by hash."""

    id = Serial(primary_key=True)
    key = Varchar(length=200, unique=True)
    project = ForeignKey(references=DrawingProject)
    sheet_number = Varchar(length=64)
    user = Varchar(length=200)
    expires_at = Timestamptz(default=ClockNow())
    # Set once the uploaded object was verified and moved to its content address, so a
    # confirmation retried after a failed registration does not need the (consumed) object.
    adopted_sha256 = Varchar(length=64, default="")
    done = Boolean(default=False)


class Comparison(Table, tablename="drawings_comparison"):
    """A finished comparison of two files, kept by their content: two revisions holding the same
    two files compare the same way for as long as the comparing code is the same."""

    id = Serial(primary_key=True)
    key = Varchar(length=255, unique=True)  # "<engine>/<old sha256>/<new sha256>"
    summary = Text()  # the comparison's JSON (DiffOut's fields but the two revision ids)
    overlay_sha256 = Varchar(length=64, default="")
    created_at = Timestamptz(default=ClockNow())


TABLES = (
    DrawingProject,
    DrawingGrant,
    UploadDelegation,
    Sheet,
    Revision,
    RevisionText,
    DesignChange,
    ReviewComment,
    PendingUpload,
    RevisionSignature,
    Comparison,
)

# Columns holding a blob's SHA-256 ("" = none); ``oneset check-consistency`` finds each blob.
BLOB_COLUMNS = (
    DrawingProject.archive_sha256,
    Revision.sha256,
    Revision.preview_sha256,
    Revision.stamped_sha256,
    Revision.signed_sha256,
    RevisionSignature.signed_sha256,
    Comparison.overlay_sha256,
)
