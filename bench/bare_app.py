"""The floor for the push benchmark: a bare FastAPI app that reads a POSTed body and answers."""

from __future__ import annotations

from fastapi import FastAPI, Request

app = FastAPI()


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/documents", status_code=201)
async def receive(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}
