"""Success rate counts only settled deliveries: delivered against given up."""

from app.services.delivery.stats import InstanceHealth
from app.storage.models import ConnectorInstance


def _health(**counts: int) -> InstanceHealth:
    return InstanceHealth(ConnectorInstance(name="main", connector="webhook"), counts=counts)


def test_no_settled_delivery_has_no_rate():
    assert _health(pending=3, failed=2).success_rate is None


def test_rate_is_delivered_over_delivered_plus_dead():
    health = _health(delivered=3, dead=1, pending=5, failed=7)
    assert health.settled == 4
    assert health.success_rate == 75.0
