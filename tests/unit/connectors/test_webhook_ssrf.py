"""SSRF guard: internal targets refused unless allow-listed; the checked address is pinned."""

import ipaddress

import pytest

from connectors.webhook.ssrf import TargetRefusedError, is_internal, pin_target


def resolves_to(*addresses):
    def resolver(host, port):
        return list(addresses)

    return resolver


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "192.0.2.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::1",
        "2001:db8::1",
        "64:ff9b::a00:1",
    ],
)
def test_internal_addresses_are_refused(address):
    assert is_internal(ipaddress.ip_address(address))
    with pytest.raises(TargetRefusedError):
        pin_target("https://hooks.bank.example/in", resolver=resolves_to(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_accepted_and_pinned(address):
    target = pin_target("https://hooks.bank.example/in?x=1", resolver=resolves_to(address))
    assert target.address == ipaddress.ip_address(address)
    assert target.host == "hooks.bank.example"
    assert target.path == "/in?x=1"


def test_one_internal_answer_among_public_ones_refuses_the_target():
    with pytest.raises(TargetRefusedError):
        pin_target("https://a.example/", resolver=resolves_to("93.184.216.34", "10.0.0.1"))


def test_pinned_url_uses_the_address_and_host_header_keeps_the_name():
    target = pin_target("https://a.example:8443/hook", resolver=resolves_to("93.184.216.34"))
    assert target.url == "https://93.184.216.34:8443/hook"
    assert target.host_header == "a.example:8443"
    v6 = pin_target("http://b.example/hook", resolver=resolves_to("2606:4700:4700::1111"))
    assert v6.url == "http://[2606:4700:4700::1111]:80/hook"
    assert v6.host_header == "b.example"


def test_an_allow_listed_exact_host_may_be_internal():
    target = pin_target(
        "http://127.0.0.1:8080/hook", ["127.0.0.1"], resolver=resolves_to("127.0.0.1")
    )
    assert str(target.address) == "127.0.0.1"
    named = pin_target("http://receiver.internal/", ["Receiver.Internal"], resolves_to("10.0.0.5"))
    assert str(named.address) == "10.0.0.5"


def test_an_allow_listed_cidr_admits_only_addresses_inside_it():
    assert pin_target("http://x.internal/", ["10.0.0.0/8"], resolves_to("10.9.9.9"))
    with pytest.raises(TargetRefusedError):
        pin_target("http://x.internal/", ["10.0.0.0/8"], resolves_to("192.168.0.1"))


def test_allow_listing_one_host_does_not_admit_another_resolving_internally():
    with pytest.raises(TargetRefusedError):
        pin_target("http://evil.example/", ["good.internal"], resolves_to("127.0.0.1"))


def test_allow_listed_cidr_covers_ipv4_mapped_addresses():
    assert pin_target("http://x.internal/", ["127.0.0.0/8"], resolves_to("::ffff:127.0.0.1"))


@pytest.mark.parametrize(
    "url",
    [
        "ftp://a.example/",
        "file:///etc/passwd",
        "https://user:pw@a.example/",
        "https:///nohost",
        "https://a.example:99999/",
    ],
)
def test_unusable_urls_are_refused(url):
    with pytest.raises(TargetRefusedError):
        pin_target(url, resolver=resolves_to("93.184.216.34"))


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(TargetRefusedError):
        pin_target("https://a.example/", resolver=resolves_to())
