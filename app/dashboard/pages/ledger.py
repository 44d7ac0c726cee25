"""Ledger: checkpoint, anchor receipts per sink and lag; verify an uploaded document."""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse

from app.api.deps import ContainerDep, UowDep
from app.container import Container
from app.dashboard.web import CheckedViewerDep, Viewer, ViewerDep, is_htmx, render
from app.errors import ProblemError
from app.ledger.bundle import ProofBundle
from app.services.documents.ingest import validate_only
from app.services.documents.search import find_by_digest
from app.services.ledger.log import document_proof_bundle
from app.services.ledger.status import ledger_status
from app.services.ledger.verification import parse_bundle, verify_upload
from app.storage.models import Document
from app.storage.uow import UnitOfWork

router = APIRouter(prefix="/ledger")


@router.get("", response_class=HTMLResponse)
def ledger_page(request: Request, viewer: ViewerDep, uow: UowDep) -> HTMLResponse:
    status = ledger_status(uow.session)
    root = base64.b64encode(status.checkpoint.root_hash).decode() if status.checkpoint else None
    return render(request, "ledger/page.html", {"status": status, "root": root})


def _stored_match(
    uow: UnitOfWork, viewer: Viewer, container: Container, raw: bytes
) -> Document | None:
    """Find the upload at the hub by its bytes, else by its canonical form (reformatted JSON)."""
    found = find_by_digest(uow.session, viewer.principal, hashlib.sha256(raw).hexdigest())
    if found is not None:
        return found
    try:
        report = validate_only(
            raw, media_type=None, declared_type=None, max_bytes=container.settings.max_body_bytes
        )
    except ProblemError:
        return None
    return find_by_digest(uow.session, viewer.principal, report.canonical_sha256)


@router.post("/verify", response_class=HTMLResponse)
def verify_document(
    request: Request,
    viewer: CheckedViewerDep,
    uow: UowDep,
    container: ContainerDep,
    document: Annotated[UploadFile, File()],
    bundle: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    """Check an uploaded document against a proof bundle: the uploaded one, or the hub's own."""
    raw = document.file.read()
    context: dict[str, Any] = {
        "filename": document.filename,
        "sha256": hashlib.sha256(raw).hexdigest(),
        "size": len(raw),
        "report": None,
        "error": None,
        "matched": None,
    }
    proof: ProofBundle | None = None
    try:
        bundle_raw = bundle.file.read() if bundle is not None and bundle.filename else b""
        if bundle_raw:
            proof = parse_bundle(bundle_raw)
            context["source"] = f"the uploaded bundle {bundle.filename}" if bundle else ""
        else:
            match = _stored_match(uow, viewer, container, raw)
            if match is None:
                context["error"] = (
                    "No document with these bytes or this canonical form is stored at the hub "
                    "for your organisation. Upload its proof bundle too to check it offline."
                )
            else:
                context["matched"] = match
                context["source"] = "the hub's current proof bundle for the matching document"
                proof = document_proof_bundle(
                    uow.session, viewer.principal, match.id, container.settings, container.keys
                )
        if proof is not None:
            report = verify_upload(uow.session, container.settings, container.keys, raw, proof)
            context["report"] = report
    except ProblemError as exc:
        context["error"] = exc.detail
    template = "ledger/_verdict.html" if is_htmx(request) else "ledger/verify.html"
    return render(request, template, context)
