"""The platform's certificate authority: a root, an issuing CA and one personal certificate per
(person, organisation, role), for the PDF signatures on drawings.

First start creates the root and issuing keys under ``<data dir>/pki`` (private keys PKCS#8,
encrypted with the PKI passphrase from settings; nothing is written unencrypted). In production a
city supplies its own issuing CA instead (``ONESET_PKI_ROOT_CERT``, ``ONESET_PKI_ISSUING_CERT``,
``ONESET_PKI_ISSUING_KEY``; docs/signatures.md), or keeps keys in hardware (PKCS#11, same doc).

A personal certificate names the person (CN), the organisation (O), its 统一社会信用代码
(organizationIdentifier, 2.5.4.97, ``USCC-`` + the code) and the signing role (title, 2.5.4.12).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kernel import clock

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from kernel.settings import Settings

ROOT_CN = "OneSet 平台根证书"
ISSUING_CN = "OneSet 平台签章证书签发机构"
USCC_PREFIX = "USCC-"
_ROOT_YEARS, _ISSUING_YEARS, _PERSON_YEARS = 20, 10, 3
_LOCK = threading.Lock()


class PkiError(RuntimeError):
    """The authority's files are missing, unreadable or do not fit together."""


@dataclass(frozen=True)
class Identity:
    """Who a personal certificate names."""

    person: str
    organisation: str
    uscc: str  # 统一社会信用代码
    role: str  # 签章角色, e.g. 设计 / 校对 / 施工单位

    @property
    def key(self) -> str:
        text = "\x1f".join((self.person, self.organisation, self.uscc, self.role))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Credential:
    """A signer's key and certificate chain (leaf first)."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class Authority:
    root: x509.Certificate
    issuing: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    directory: Path
    passphrase: bytes

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def credential(self, identity: Identity) -> Credential:
        """The identity's credential, issued (and stored encrypted) on first use."""
        folder = self.directory / "signers"
        key_path, cert_path = folder / f"{identity.key}.key", folder / f"{identity.key}.pem"
        with _locked(self.directory):
            if not cert_path.exists():
                folder.mkdir(parents=True, exist_ok=True)
                key = ec.generate_private_key(ec.SECP256R1())
                cert = _person_certificate(self, identity, key)
                _write_key(key_path, key, self.passphrase)
                _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        key = _read_key(key_path, self.passphrase)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        return Credential(key=key, certificate=cert, chain=(cert, self.issuing, self.root))


def passphrase(settings: Settings) -> bytes:
    """The key that encrypts private keys at rest: ``ONESET_PKI_PASSPHRASE``, else one derived
    from the secret key (so an installation's data dir alone does not open them)."""
    if settings.pki_passphrase:
        return settings.pki_passphrase.encode()
    return hashlib.sha256(b"oneset-pki\x00" + settings.secret_key.encode()).hexdigest().encode()


def load_authority(settings: Settings) -> Authority:
    """The platform's CA: supplied by settings, else the one in the data dir (created once)."""
    secret = passphrase(settings)
    directory = settings.data_dir / "pki"
    if settings.pki_issuing_cert and settings.pki_issuing_key and settings.pki_root_cert:
        try:
            root = x509.load_pem_x509_certificate(settings.pki_root_cert.read_bytes())
            issuing = x509.load_pem_x509_certificate(settings.pki_issuing_cert.read_bytes())
            key = _read_key(settings.pki_issuing_key, secret)
        except (OSError, ValueError) as error:
            raise PkiError(f"the configured PKI files cannot be read: {error}") from error
        _check_pair(issuing, key)
        return Authority(root, issuing, key, directory, secret)
    with _locked(directory):
        if not (directory / "issuing.pem").exists():
            _create(directory, secret)
    try:
        root = x509.load_pem_x509_certificate((directory / "root.pem").read_bytes())
        issuing = x509.load_pem_x509_certificate((directory / "issuing.pem").read_bytes())
        key = _read_key(directory / "issuing.key", secret)
    except (OSError, ValueError) as error:
        raise PkiError(f"the platform CA in {directory} cannot be read: {error}") from error
    return Authority(root, issuing, key, directory, secret)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One writer across threads and processes (web and workers share the data dir)."""
    directory.mkdir(parents=True, exist_ok=True)
    with _LOCK, (directory / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _create(directory: Path, secret: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    now = clock.now() - timedelta(days=1)
    root_key = ec.generate_private_key(ec.SECP384R1())
    root_name = _name(ROOT_CN)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * _ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA384())
    )
    issuing_key = ec.generate_private_key(ec.SECP384R1())
    issuing = (
        x509.CertificateBuilder()
        .subject_name(_name(ISSUING_CN))
        .issuer_name(root_name)
        .public_key(issuing_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * _ISSUING_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(issuing_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA384())
    )
    # The root key signs only the issuing CA: kept (encrypted) for renewing it, never loaded.
    _write_key(directory / "root.key", root_key, secret)
    _write_key(directory / "issuing.key", issuing_key, secret)
    _write(directory / "root.pem", root.public_bytes(serialization.Encoding.PEM))
    _write(directory / "issuing.pem", issuing.public_bytes(serialization.Encoding.PEM))


def _person_certificate(
    authority: Authority, identity: Identity, key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    now = clock.now() - timedelta(days=1)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, identity.organisation),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, USCC_PREFIX + identity.uscc),
            x509.NameAttribute(NameOID.TITLE, identity.role),
            x509.NameAttribute(NameOID.COMMON_NAME, identity.person),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority.issuing.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(
            min(now + timedelta(days=365 * _PERSON_YEARS), authority.issuing.not_valid_after_utc)
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.issuing_key.public_key()),
            False,
        )
        .sign(authority.issuing_key, hashes.SHA256())
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OneSet"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _check_pair(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
    if cert.public_key() != key.public_key():
        raise PkiError("the issuing certificate and key do not belong together")


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file so a crash never leaves half a key or certificate."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    tmp.replace(path)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey, secret: bytes) -> None:
    _write(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        ),
    )


def _read_key(path: Path, secret: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=secret)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{path} does not hold an EC private key")
    return key
