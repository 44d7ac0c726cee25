"""All models, imported so that metadata and Alembic see every table."""

from app.storage.models.connectors import ConnectorInstance, ConnectorStateEntry, Subscription
from app.storage.models.consents import Consent, ConsentAccessCounter, ConsentTransition
from app.storage.models.crossings import Crossing, RemoteConsumer
from app.storage.models.dashboard import DashboardSession
from app.storage.models.deliveries import Delivery, DeliveryStatus, FeedCursor, Notification
from app.storage.models.documents import Document
from app.storage.models.events import ChainHead, Event, OutboxMessage, TaskReceipt
from app.storage.models.federation import Peer, PeerAssertion, PeerStatus
from app.storage.models.financing import (
    FinancingFingerprint,
    FinancingProbe,
    FinancingRegistration,
)
from app.storage.models.financing_federation import FinancingOprfOutput
from app.storage.models.identity import HubIdentity
from app.storage.models.intake import IdempotencyKey, ProviderMandate
from app.storage.models.ledger import (
    LedgerAnchor,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    LedgerSalts,
    LedgerState,
)
from app.storage.models.notices import (
    DeletionObligation,
    DeletionReceipt,
    Notice,
    ReceiptNonce,
)
from app.storage.models.participants import (
    ApiClient,
    ClientAssertion,
    DashboardUser,
    IdentifierScheme,
    Participant,
    ParticipantIdentifier,
    ParticipantRole,
    Role,
)
from app.storage.models.pint import (
    PintAccount,
    PintAdditionalDocument,
    PintChainEntry,
    PintEnvelope,
    PintTransfer,
)
from app.storage.models.trust import EblProvenance, EblVersion, TrustedKey
from app.storage.models.witness import LedgerCosignature, WitnessedLog, WitnessSubmission

__all__ = [
    "LedgerCosignature",
    "WitnessSubmission",
    "WitnessedLog",
    "Peer",
    "PeerAssertion",
    "PeerStatus",
    "TrustedKey",
    "PintEnvelope",
    "PintTransfer",
    "PintChainEntry",
    "PintAdditionalDocument",
    "PintAccount",
    "EblVersion",
    "EblProvenance",
    "ApiClient",
    "ChainHead",
    "ClientAssertion",
    "ConnectorInstance",
    "ConnectorStateEntry",
    "Crossing",
    "Consent",
    "ConsentAccessCounter",
    "ConsentTransition",
    "DashboardSession",
    "DashboardUser",
    "DeletionObligation",
    "DeletionReceipt",
    "Delivery",
    "DeliveryStatus",
    "Document",
    "Event",
    "FeedCursor",
    "FinancingFingerprint",
    "FinancingOprfOutput",
    "FinancingProbe",
    "FinancingRegistration",
    "HubIdentity",
    "IdempotencyKey",
    "IdentifierScheme",
    "Notice",
    "Notification",
    "LedgerAnchor",
    "LedgerCheckpoint",
    "LedgerLeaf",
    "LedgerNode",
    "LedgerSalts",
    "LedgerState",
    "OutboxMessage",
    "Participant",
    "ParticipantIdentifier",
    "ParticipantRole",
    "ProviderMandate",
    "ReceiptNonce",
    "RemoteConsumer",
    "Role",
    "Subscription",
    "TaskReceipt",
]
