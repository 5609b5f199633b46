"""PAdES signatures on PDF sheets (pyHanko): signing with a visible seal, and validation.

Every signature is an incremental update, so earlier signatures stay valid and the original
bytes are the first part of the signed file. The seal appearance (organisation and role in
Chinese) is set in an OpenType CJK font embedded as a subset. Validation checks the document
digest, the signer's chain to the platform root and what changed after each signature.
These functions are synchronous CPU work: callers run them in a worker thread.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509 as crypto_x509
from cryptography.hazmat.primitives import serialization
from fontTools.ttLib import TTCollection
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from drawings.formats.font_files import FONT_CANDIDATES
from drawings.formats.seal import Placement, SealText, SignatureCheck
from kernel.errors import Invalid
from kernel.pki import USCC_PREFIX

if TYPE_CHECKING:
    from kernel.pki import Credential

__all__ = ["Placement", "SealText", "SignatureCheck", "seal_font", "sign_pdf", "validate_pdf"]


# Settings (``ONESET_SEAL_FONT``) take precedence over the usual places (``FONT_CANDIDATES``).
def seal_font(configured: Path | None, data_dir: Path) -> Path:
    """A single-face TrueType/OpenType file for the seal text (a ``.ttc`` collection's first face
    is copied into the data dir once, since pyHanko reads single fonts)."""
    candidates = [configured] if configured else [Path(p) for p in FONT_CANDIDATES]
    for path in candidates:
        if path is None or not path.is_file():
            continue
        if path.suffix.lower() != ".ttc":
            return path
        target = data_dir / "fonts" / f"{path.stem}-0.ttf"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            TTCollection(str(path)).fonts[0].save(str(tmp))
            tmp.replace(target)
        return target
    raise Invalid(
        "服务器没有可用于电子签章的中文字体（请设置 ONESET_SEAL_FONT）。", code="no_seal_font"
    )


PDF_UNITS_PER_EM = 1000  # PDF glyph widths and text adjustments are thousandths of an em


class _EmGlyphs(GlyphAccumulator):
    """pyHanko's glyph accumulator, measuring in thousandths of an em whatever the font's units.

    pyHanko 0.38 writes the embedded font's widths (``/W``) and the text's ``TJ`` adjustments in
    the font's own units, which PDF reads as thousandths of an em: with a 2048-unit font
    (WenQuanYi, most TrueType fonts) every viewer set the seal text twice as wide as its glyphs,
    running out of the seal's box. HarfBuzz is asked for 1000-unit advances and the widths are
    scaled to match (a 1000-unit font, e.g. Noto CJK, is left as it is).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._em_ratio = PDF_UNITS_PER_EM / self.units_per_em
        if self.units_per_em != PDF_UNITS_PER_EM:
            self.hb_font.scale = (PDF_UNITS_PER_EM, PDF_UNITS_PER_EM)
            self.units_per_em = PDF_UNITS_PER_EM

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        if glyph_id in self._glyphs:
            return self._glyphs[glyph_id]
        cid, width = super()._get_cid_and_width(glyph_id)
        self._glyphs[glyph_id] = scaled = cid, round(width * self._em_ratio)
        return scaled


class _EmGlyphsFactory(GlyphAccumulatorFactory):
    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _EmGlyphs(
            writer=writer,
            font_handle=Path(self.font_file).open("rb"),  # pyHanko reads it while signing
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


def _asn1_cert(cert: crypto_x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(
    source: BinaryIO,
    target: BinaryIO,
    credential: Credential,
    text: SealText,
    placement: Placement,
    font: Path,
) -> None:
    """Append a PAdES signature with a visible seal to the PDF in ``source``, into ``target``."""
    key = asn1_keys.PrivateKeyInfo.load(
        credential.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    chain = [_asn1_cert(c) for c in credential.chain]
    signer = signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain[1:]),  # type: ignore[no-untyped-call]
    )
    style = TextStampStyle(
        stamp_text="%(org)s\n%(role)s  %(person)s\n%(when)s",
        text_box_style=TextBoxStyle(font=_EmGlyphsFactory(str(font), font_size=10), leading=13),
        border_width=2,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=text.field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=text.reason,
        name=text.person,
        md_algorithm="sha256",
    )
    try:
        writer = IncrementalPdfFileWriter(source, strict=False)
        if writer.prev.encrypted:
            raise Invalid(
                "加密的 PDF 不能签章：请上传未加密的图纸 PDF。", field="file", code="pdf_encrypted"
            )
        pages = int(writer.root["/Pages"]["/Count"])
        if not 1 <= placement.page <= pages:
            raise Invalid(f"该图纸只有 {pages} 页。", field="page", code="seal_page_out_of_range")
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(
                sig_field_name=text.field_name, on_page=placement.page - 1, box=placement.box
            ),
        )
        pdf_signer.sign_pdf(
            writer,
            output=target,
            appearance_text_params={
                "org": text.organisation,
                "role": text.role,
                "person": text.person,
                "when": text.when,
            },
        )
    except (PdfError, SigningError, ValueError, KeyError, TypeError) as error:
        raise Invalid(f"PDF 无法签章：{error}", field="file", code="pdf_unsignable") from error


def _name_part(cert: asn1_x509.Certificate, field: str) -> str:
    value = cert.subject.native.get(field, "")
    return str(value[0] if isinstance(value, list) else value)


def validate_pdf(source: BinaryIO, root_pem: bytes) -> list[SignatureCheck]:
    """Every signature in the PDF, in signing order, validated against ``root_pem``."""
    root = asn1_x509.Certificate.load(
        crypto_x509.load_pem_x509_certificate(root_pem).public_bytes(serialization.Encoding.DER)
    )
    try:
        reader = PdfFileReader(source, strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as error:
        raise Invalid(f"PDF 无法读取签名：{error}", field="file", code="pdf_unreadable") from error
    if not embedded:
        return []
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_check_all(embedded, root))
    # Called from async code (a test, a CLI inside a loop): validate on a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _check_all(embedded, root)).result()


async def _check_all(embedded: list[Any], root: asn1_x509.Certificate) -> list[SignatureCheck]:
    return [await _check(sig, root) for sig in embedded]


async def _check(sig: Any, root: asn1_x509.Certificate) -> SignatureCheck:
    field_name = str(sig.field_name)
    try:
        # No time-stamp authority yet: certificates are judged at the signer's reported time,
        # so a seal stays valid after its 3-year certificate expires (archives outlive it).
        context = ValidationContext(
            trust_roots=[root],
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=sig.self_reported_timestamp,
        )
        cert = sig.signer_cert
        person = _name_part(cert, "common_name")
        organisation = _name_part(cert, "organization_name")
        uscc = _name_part(cert, "organization_identifier").removeprefix(USCC_PREFIX)
        role = _name_part(cert, "title")
        status = await async_validate_pdf_signature(sig, signer_validation_context=context)
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as error:
        # A damaged signature (its certificate or CMS structure altered) cannot even be read.
        return SignatureCheck(
            field_name=field_name,
            person="",
            organisation="",
            uscc="",
            role="",
            signed_at=None,
            valid=False,
            intact=False,
            trusted=False,
            covers_document=False,
            problem=f"签名数据已损坏，无法校验：{error}",
        )
    intact = bool(status.intact and status.valid)
    trusted = bool(status.trusted)
    coverage = status.coverage.name if status.coverage is not None else ""
    modification = status.modification_level.name if status.modification_level else ""
    covers = coverage in {"ENTIRE_FILE", "ENTIRE_REVISION"} and modification in {
        "NONE",
        "LTA_UPDATES",
        "FORM_FILLING",
    }
    problems = []
    if not intact:
        problems.append("签名后文件内容被改动，摘要不符")
    if intact and not trusted:
        problems.append(_trust_problem(status.trust_problem_indic))
    if intact and not covers:
        problems.append("签名后文件有不允许的修改")
    return SignatureCheck(
        field_name=field_name,
        person=person,
        organisation=organisation,
        uscc=uscc,
        role=role,
        signed_at=status.signer_reported_dt,
        valid=not problems,
        intact=intact,
        trusted=trusted,
        covers_document=covers,
        problem="；".join(problems),
    )


_TRUST_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "签名证书不是本平台签发的",
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": "签名证书不是本平台签发的",
    "EXPIRED": "签名时签名证书已过期",
    "OUT_OF_BOUNDS_NO_POE": "签名时签名证书不在有效期内",
    "OUT_OF_BOUNDS_NOT_REVOKED": "签名时签名证书不在有效期内",
    "NOT_YET_VALID": "签名时签名证书尚未生效",
    "REVOKED": "签名证书已被吊销",
    "REVOKED_NO_POE": "签名证书已被吊销",
}


def _trust_problem(indication: Any) -> str:
    name = getattr(indication, "name", "")
    return _TRUST_PROBLEMS.get(name, f"签名证书不可信（{name or '原因不明'}）")


def validate_bytes(data: bytes, root_pem: bytes) -> list[SignatureCheck]:
    return validate_pdf(io.BytesIO(data), root_pem)
