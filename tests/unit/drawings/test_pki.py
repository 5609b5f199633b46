"""The platform CA (kernel/pki.py): created once, keys encrypted at rest, personal certificates
naming the organisation's 统一社会信用代码 and the role; a city's own issuing CA from settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from kernel import pki
from kernel.settings import Settings, load_settings

USCC = "91330100000500007U"


def _settings(tmp_path: Path, **env: str) -> Settings:
    return load_settings(
        {"ONESET_DATA_DIR": str(tmp_path / "var"), "ONESET_SECRET_KEY": "k", **env}
    )


def test_created_once_encrypted_and_naming_the_signer(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    authority = pki.load_authority(settings)
    again = pki.load_authority(settings)
    assert again.root == authority.root and again.issuing == authority.issuing
    folder = settings.data_dir / "pki"
    for name in ("root.key", "issuing.key"):
        data = (folder / name).read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
        assert (folder / name).stat().st_mode & 0o077 == 0
        with pytest.raises((TypeError, ValueError)):
            serialization.load_pem_private_key(data, password=None)

    identity = pki.Identity("张三", "某某建筑设计研究院", USCC, "设计")
    credential = authority.credential(identity)
    assert authority.credential(identity).certificate == credential.certificate  # stored
    subject = credential.certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "张三"
    assert (
        subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "某某建筑设计研究院"
    )
    assert (
        subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value == "USCC-" + USCC
    )
    assert subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "设计"
    assert credential.certificate.issuer == authority.issuing.subject
    authority.issuing.public_key().verify(  # type: ignore[call-arg, union-attr]
        credential.certificate.signature,
        credential.certificate.tbs_certificate_bytes,
        credential.certificate.signature_algorithm_parameters,  # type: ignore[arg-type]
    )
    other_role = authority.credential(replace(identity, role="校对"))
    assert other_role.certificate.serial_number != credential.certificate.serial_number

    # Another passphrase does not open the keys.
    with pytest.raises(pki.PkiError):
        pki.load_authority(replace(settings, pki_passphrase="wrong"))


def test_a_city_supplies_its_own_issuing_ca(tmp_path: Path) -> None:
    # Stand in for the city's CA: one made elsewhere, its issuing key re-encrypted for OneSet.
    city = pki.load_authority(_settings(tmp_path / "city"))
    key_path = tmp_path / "issuing.enc.key"
    key_path.write_bytes(
        city.issuing_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"city-secret"),
        )
    )
    (tmp_path / "root.pem").write_bytes(city.root_pem)
    (tmp_path / "issuing.pem").write_bytes(city.issuing.public_bytes(serialization.Encoding.PEM))
    settings = _settings(
        tmp_path,
        ONESET_PKI_ROOT_CERT=str(tmp_path / "root.pem"),
        ONESET_PKI_ISSUING_CERT=str(tmp_path / "issuing.pem"),
        ONESET_PKI_ISSUING_KEY=str(key_path),
        ONESET_PKI_PASSPHRASE="city-secret",
    )
    authority = pki.load_authority(settings)
    assert authority.root == city.root
    assert not (settings.data_dir / "pki" / "root.pem").exists()  # nothing generated
    cert = authority.credential(pki.Identity("李四", "某施工单位", USCC, "施工单位")).certificate
    assert cert.issuer == city.issuing.subject
    assert isinstance(cert, x509.Certificate)

    with pytest.raises(ValueError, match="go together"):
        _settings(tmp_path, ONESET_PKI_ROOT_CERT=str(tmp_path / "root.pem"))
    with pytest.raises(pki.PkiError):
        pki.load_authority(replace(settings, pki_passphrase="not-the-city-secret"))
