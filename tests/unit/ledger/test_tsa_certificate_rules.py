"""RFC 3161 §2.3: only a certificate whose sole, critical extended key usage is timeStamping."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.ledger.sinks import AnchorVerificationError
from app.ledger.sinks.rfc3161 import _check_time_stamping_eku


def _certificate(usages, critical):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tsa")])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=critical)
    return builder.sign(key, hashes.SHA256())


def test_critical_time_stamping_usage_is_accepted():
    _check_time_stamping_eku(_certificate([ExtendedKeyUsageOID.TIME_STAMPING], True))


@pytest.mark.parametrize(
    ("usages", "critical"),
    [
        ([ExtendedKeyUsageOID.TIME_STAMPING], False),
        ([ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.SERVER_AUTH], True),
        ([ExtendedKeyUsageOID.CODE_SIGNING], True),
        ([], True),
    ],
)
def test_other_key_usages_are_refused(usages, critical):
    with pytest.raises(AnchorVerificationError) as info:
        _check_time_stamping_eku(_certificate(usages, critical))
    assert info.value.reason == "anchor_bad_certificate"
