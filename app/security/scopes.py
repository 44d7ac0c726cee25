"""The OAuth scopes the hub grants, with what each one allows: one list for tokens and docs."""

SCOPES: dict[str, str] = {
    "documents:write": "Push documents (providers)",
    "documents:read": "Read back the documents one provided or owns",
    "data:read": "Pull documents under an ACTIVE consent (consumers)",
    "consents:read": "Read the consents one is party to",
    "consents:write": "Request consents and revoke one's own (consumers)",
    "consents:manage": "Approve, reject, pause, resume and revoke consents (owners)",
    "audit:read": "Read the audit trail of events that name the caller",
    "ledger:read": "Read inclusion proofs and proof bundles",
    "connectors:manage": "Configure connector instances and routing rules",
    "financing:write": "Register financing against documents and learn of duplicates (lenders)",
    "federation:read": "List the peer hubs this hub federates with",
    "federation:hash-match": "Ask a peer hub whether it holds a document of a given hash (lenders)",
    "federation:admin": "Add, suspend and resume peer hubs",
    "admin": "Operate the hub: participants, clients, mandates, deliveries",
}
