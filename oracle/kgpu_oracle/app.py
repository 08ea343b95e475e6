"""FastAPI application of one oracle instance."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, AsyncIterator, Callable

from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from solders.signature import Signature
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgpu_oracle import db
from kgpu_oracle.chain import ChainReader, ChainReadError, DatabaseChainReader
from kgpu_oracle.config import OracleConfig
from kgpu_oracle.errors import ConflictError, EvidenceError
from kgpu_oracle.intake import (
    Accepted,
    RateLimitedError,
    accept_collateral,
    accept_deposit,
    accept_receipt,
    answer_challenge,
    issue_challenge,
)
from kgpu_oracle.logs import log_event
from kgpu_oracle.market_chain import MarketChainReader
from kgpu_oracle.messages import decode_message, encode_message
from kgpu_oracle.metrics import OracleMetrics
from kgpu_oracle.outbox import crash_point, create_attestation, view_attestation
from kgpu_oracle.reference import load_gpu_power_table
from kgpu_oracle.energy import provider_energy, render_energy_page
from kgpu_oracle.reserve import (
    ChainReserveError,
    ReserveFigures,
    choose_language,
    compute_reserve,
    read_chain_reserve,
    render_reserve_page,
)
from kgpu_oracle.schemas import (
    AttestationView,
    ChallengeAnswerRequest,
    ChallengeRequest,
    ChallengeView,
    CollateralReportRequest,
    DepositRequest,
    PeerSignRequest,
    PeerSignResponse,
    ReceiptRequest,
)
from kgpu_oracle.state import OracleState
from kgpu_oracle.worker import OutboxWorker

__all__ = ["create_app"]

_LARGE_BODY_SUFFIXES = ("/answer", "/v1/peer/sign")


class BodySizeLimit:
    """ASGI middleware that returns 413 when a request body exceeds its route's limit.

    Challenge answers and peer requests, which carry a matrix, get `large_limit`; every other
    route gets `limit`.
    """

    def __init__(self, app: ASGIApp, *, limit: int, large_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.large_limit = large_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.large_limit if scope["path"].endswith(_LARGE_BODY_SUFFIXES) else self.limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reject_too_large(send, limit)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _reject_too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _reject_too_large(send: Send, limit: int) -> None:
    body = f'{{"detail":"request body exceeds {limit} bytes; send a smaller body"}}'.encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def _error_response(status: int, error: EvidenceError) -> JSONResponse:
    return JSONResponse({"detail": error.message, "field": error.field}, status_code=status)


def _job_reader(config: OracleConfig) -> ChainReader:
    """Return the reader of job facts that `job_source` selects."""
    if config.reads_jobs_from_chain:
        return MarketChainReader(config.rpc_url)
    return DatabaseChainReader()


def create_app(
    config: OracleConfig,
    *,
    clock: Callable[[], float] = time.time,
    chain: ChainReader | None = None,
    run_worker: bool = True,
) -> FastAPI:
    """Build the oracle's FastAPI app; the outbox worker runs while the app is being served.

    `chain` replaces the job reader that `config.job_source` selects.
    """
    engine = db.make_engine(config.database_url)
    sessions = db.make_sessionmaker(engine)
    metrics = OracleMetrics()
    metrics.watch_database(sessions, config.grid_factor_g_per_kwh)
    state = OracleState(
        config=config,
        engine=engine,
        sessions=sessions,
        chain=chain or _job_reader(config),
        gpu_power=load_gpu_power_table(config.gpu_power_table),
        metrics=metrics,
        clock=clock,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log_event(
            logging.INFO,
            "oracle_started",
            operator=config.operator.pubkey(),
            threshold=config.threshold,
            peers=len(config.peers),
            listen=config.listen_url,
            job_source="chain" if config.reads_jobs_from_chain else "database",
        )
        state.wake = asyncio.Event()
        state.loop = asyncio.get_running_loop()
        worker = OutboxWorker(state)
        task = asyncio.create_task(worker.run()) if run_worker else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await worker.close()
            engine.dispose()
            log_event(logging.INFO, "oracle_stopped", operator=config.operator.pubkey())

    app = FastAPI(
        title="kgpu-oracle",
        version="0.1.0",
        description="Attestation service of one K-GPU oracle operator.",
        lifespan=lifespan,
    )
    app.state.oracle = state
    app.add_middleware(BodySizeLimit, limit=config.max_body_bytes, large_limit=config.max_answer_bytes)

    @app.exception_handler(ConflictError)
    async def on_conflict(request: Request, error: ConflictError) -> JSONResponse:
        log_event(logging.INFO, "evidence_conflict", path=request.url.path, field=error.field, error=error.message)
        return _error_response(409, error)

    @app.exception_handler(EvidenceError)
    async def on_invalid(request: Request, error: EvidenceError) -> JSONResponse:
        log_event(logging.INFO, "evidence_rejected", path=request.url.path, field=error.field, error=error.message)
        return _error_response(422, error)

    @app.exception_handler(ChainReadError)
    async def on_chain_read_failed(request: Request, error: ChainReadError) -> JSONResponse:
        metrics.rpc_errors.labels("getAccountInfo").inc()
        log_event(logging.ERROR, "job_read_failed", path=request.url.path, job=error.job, rpc_url=error.rpc_url, error=str(error))
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.exception_handler(RateLimitedError)
    async def on_rate_limited(request: Request, error: RateLimitedError) -> JSONResponse:
        log_event(logging.WARNING, "rate_limited", path=request.url.path, error=str(error))
        return JSONResponse({"detail": str(error)}, status_code=429, headers={"Retry-After": str(error.retry_after)})

    def intake(kind: str, accept: Callable[[Any], Accepted]) -> AttestationView:
        with metrics.timer(kind)():
            try:
                with state.sessions() as session:
                    accepted = accept(session)
                    attestation = create_attestation(state, session, accepted)
                    session.commit()
                    view = view_attestation(state, session, attestation)
            except EvidenceError as error:
                outcome = "conflict" if isinstance(error, ConflictError) else "rejected"
                metrics.attestations.labels(kind, outcome).inc()
                raise
            except IntegrityError:
                metrics.attestations.labels(kind, "conflict").inc()
                raise ConflictError(kind, "the same evidence was accepted concurrently; fetch its attestation") from None
        metrics.attestations.labels(kind, "accepted").inc()
        log_event(logging.INFO, "evidence_accepted", kind=kind, attestation=view.id, evidence=view.evidence_key)
        crash_point("after_verified_commit")
        state.wake_worker()
        return view

    @app.post("/v1/collateral-reports", status_code=202, response_model=AttestationView)
    def post_collateral_report(body: CollateralReportRequest) -> AttestationView:
        """Verify a custodian's signed holdings report and start its `attest_collateral` attestation."""
        return intake("collateral", lambda session: accept_collateral(state, session, body))

    @app.post("/v1/deposits", status_code=202, response_model=AttestationView)
    def post_deposit(body: DepositRequest) -> AttestationView:
        """Verify a bank-signed deposit notice and start its `mint_deposit` attestation."""
        return intake("deposit", lambda session: accept_deposit(state, session, body))

    @app.post("/v1/challenges", status_code=201, response_model=ChallengeView)
    def post_challenge(body: ChallengeRequest) -> ChallengeView:
        """Issue a proof-of-compute challenge to a provider node key."""
        return issue_challenge(state, body.provider)

    @app.post("/v1/challenges/{challenge_id}/answer", response_model=ChallengeView)
    def post_challenge_answer(challenge_id: str, body: ChallengeAnswerRequest) -> ChallengeView:
        """Check the provider's C = A·B with Freivalds' algorithm; `passed` is true when C is correct."""
        try:
            return answer_challenge(state, challenge_id, body.answer)
        except LookupError:
            raise HTTPException(404, f"no challenge with id {challenge_id}; request one with POST /v1/challenges") from None

    @app.post("/v1/receipts", status_code=202, response_model=AttestationView)
    def post_receipt(body: ReceiptRequest) -> AttestationView:
        """Verify a provider-signed usage receipt and start its `settle_receipt` attestation."""
        return intake("receipt", lambda session: accept_receipt(state, session, body))

    @app.post("/v1/peer/sign", response_model=PeerSignResponse)
    def post_peer_sign(body: PeerSignRequest) -> PeerSignResponse:
        """Re-verify a peer's evidence with this operator's own checks and sign the message.

        Returns 409 when the evidence yields a different message than `message_hex`.
        """
        accept = {
            "collateral": lambda session: accept_collateral(state, session, _require(body.collateral, "collateral")),
            "deposit": lambda session: accept_deposit(state, session, _require(body.deposit, "deposit")),
            "receipt": lambda session: accept_receipt(
                state, session, _require(body.receipt, "receipt"), _require(body.challenge, "challenge")
            ),
        }[body.kind]
        with metrics.timer(f"peer_{body.kind}")():
            with state.sessions() as session:
                accepted = accept(session)
                message = encode_message(accepted.payload, config.deployment_id)
                if message.hex() != body.message_hex.lower():
                    raise ConflictError("message_hex", "differs from the message this oracle derives from the evidence")
                try:
                    session.commit()
                except IntegrityError:
                    raise ConflictError(body.kind, "conflicting evidence was accepted concurrently") from None
        decode_message(message)
        signature: Signature = config.operator.sign_message(message)
        metrics.attestations.labels(f"peer_{body.kind}", "signed").inc()
        log_event(logging.INFO, "peer_signed", kind=body.kind, evidence=accepted.evidence_key)
        return PeerSignResponse(signer=str(config.operator.pubkey()), signature=str(signature))

    @app.get("/v1/attestations/{attestation_id}", response_model=AttestationView)
    def get_attestation(attestation_id: str) -> AttestationView:
        """Return an attestation's outbox state, signers and state history."""
        with state.sessions() as session:
            attestation = session.get(db.Attestation, attestation_id)
            if attestation is None:
                raise HTTPException(404, f"no attestation with id {attestation_id}")
            return view_attestation(state, session, attestation)

    @app.get("/v1/health")
    def get_health() -> dict[str, Any]:
        """Report liveness, the operator key and the database connection."""
        with state.sessions() as session:
            session.execute(select(db.Attestation.id).limit(1))
        return {"status": "ok", "operator": str(config.operator.pubkey()), "threshold": config.threshold}

    async def reserve_figures() -> ReserveFigures:
        chain = None
        if config.reads_reserve_from_chain:
            try:
                chain = await read_chain_reserve(config.rpc_url)
            except ChainReserveError as error:
                metrics.rpc_errors.labels("getTokenSupply").inc()
                log_event(logging.ERROR, "reserve_read_failed", rpc_url=config.rpc_url, error=str(error))
                raise HTTPException(503, str(error)) from error

        def from_database() -> ReserveFigures:
            with state.sessions() as session:
                return compute_reserve(session, state.now(), chain)

        return await run_in_threadpool(from_database)

    @app.get("/v1/reserve")
    async def get_reserve() -> dict[str, Any]:
        """Return supply, collateral value, capacity, their ratio, attestation age and history.

        With `reserve_from_chain` (by default when `submit_transactions` is on), supply and the
        attestation are read from `rpc_url`, and a failed read returns 503.
        """
        return (await reserve_figures()).as_dict()

    @app.get("/reserve", response_class=HTMLResponse)
    async def get_reserve_page(
        lang: str | None = Query(None, pattern="^(ko|en)$"),
        accept_language: str | None = Header(None),
    ) -> HTMLResponse:
        """Render the reserve figures in Korean or English with a capacity/supply chart."""
        figures = await reserve_figures()
        return HTMLResponse(render_reserve_page(figures, choose_language(lang, accept_language)))

    @app.get("/v1/providers/energy")
    def get_provider_energy() -> dict[str, Any]:
        """Return each provider's accepted receipts, GPU-seconds, Wh, renewable share and CO2 grams."""
        with state.sessions() as session:
            rows = provider_energy(session, config.grid_factor_g_per_kwh)
        return {
            "grid_factor_g_per_kwh": str(config.grid_factor_g_per_kwh),
            "providers": [row.as_dict() for row in rows],
        }

    @app.get("/energy", response_class=HTMLResponse)
    def get_energy_page(
        lang: str | None = Query(None, pattern="^(ko|en)$"),
        accept_language: str | None = Header(None),
    ) -> HTMLResponse:
        """Render the per-provider energy and carbon table in Korean or English."""
        with state.sessions() as session:
            rows = provider_energy(session, config.grid_factor_g_per_kwh)
        language = choose_language(lang, accept_language)
        return HTMLResponse(render_energy_page(rows, language, config.grid_factor_g_per_kwh))

    @app.get("/metrics")
    def get_metrics() -> Response:
        """Expose Prometheus metrics."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def _require(value: Any, name: str) -> Any:
    if value is None:
        raise EvidenceError(name, "is required for this kind; include it in the request")
    return value
