"""Korean and English messages of `python -m kgpu.demo`, added to the SDK catalogue on import.

Keys are `demo.<name>`. Amounts arrive formatted, so the templates only place them.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import cast

from kgpu.i18n import CATALOGUE

__all__ = ["DEMO_MESSAGES", "register_demo_messages"]

DEMO_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "demo.title": {
        "ko": "K-GPU 데모: 로컬 클러스터에서 실제 참조 데이터로 K-GPU 경제 전체를 실행합니다",
        "en": "K-GPU demo: the whole K-GPU economy on a local cluster with real reference data",
    },
    "demo.step": {"ko": "[{number}/10] {title}", "en": "[{number}/10] {title}"},
    "demo.step.localnet": {"ko": "kgpu-localnet 시작", "en": "Start kgpu-localnet"},
    "demo.step.programs": {
        "ko": "kgpu_token과 kgpu_market 초기화, 오라클 집합과 마켓 매개변수 설정",
        "en": "Initialize kgpu_token and kgpu_market, set the oracle set and the market parameters",
    },
    "demo.step.oracles": {"ko": "kgpu-oracle 3개 시작 (임계값 2)", "en": "Start 3 kgpu-oracle instances (threshold 2)"},
    "demo.step.collateral": {
        "ko": "수탁기관 보유 보고서 → 담보 온체인 증명",
        "en": "Custodian holdings report → collateral attested on chain",
    },
    "demo.step.deposit": {
        "ko": "은행 입금 → KYC를 마친 임차인에게 K-GPU 발행",
        "en": "Bank deposit → K-GPU minted to a KYC'd renter",
    },
    "demo.step.provider": {"ko": "공급자 등록, 승인, 스테이킹", "en": "Provider registers, is approved and stakes"},
    "demo.step.job": {"ko": "임차인의 작업 개설", "en": "Renter opens a job"},
    "demo.step.compute": {
        "ko": "공급자 에이전트의 실제 연산과 영수증 → 오라클 정족수의 정산",
        "en": "Provider agent computes and submits a receipt → the oracle quorum settles it",
    },
    "demo.step.close": {
        "ko": "작업 종료와 환불, 상환, 차단 관할 임차인 거부",
        "en": "Job closed and refunded, redemption, a renter from a blocked jurisdiction rejected",
    },
    "demo.step.summary": {"ko": "요약", "en": "Summary"},
    "demo.localnet_started": {
        "ko": "kgpu-localnet이 {url}에서 실행 중입니다 (원장 {ledger})",
        "en": "kgpu-localnet is running at {url} (ledger {ledger})",
    },
    "demo.programs_missing": {
        "ko": "{program} 프로그램이 배포되지 않았습니다. `make programs`로 빌드한 뒤 다시 실행하세요.",
        "en": "The {program} program is not deployed: build it with `make programs`, then run the demo again.",
    },
    "demo.token_initialized": {
        "ko": "kgpu_token 초기화: 배포 ID {deployment_id}, 오라클 {count}명 중 {threshold}명 서명, 헤어컷 {haircut_bps}bps",
        "en": "kgpu_token initialized: deployment id {deployment_id}, {threshold} of {count} oracles, haircut {haircut_bps} bps",
    },
    "demo.attestation_age": {
        "ko": "참고: KTB 시세가 {date} 기준이므로 증명 유효 기간을 {days}일로 늘렸습니다.",
        "en": "Note: the KTB quotes are dated {date}, so the attestation age limit is widened to {days} days.",
    },
    "demo.market_initialized": {
        "ko": "kgpu_market 초기화: 수수료 {fee_bps}bps, GPU당 최소 스테이크 {min_stake} K-GPU, 전력망 계수 {grid} gCO2/kWh ({grid_year}), 차단 {blocked}",
        "en": "kgpu_market initialized: fee {fee_bps} bps, minimum stake {min_stake} K-GPU per GPU, grid factor {grid} gCO2/kWh ({grid_year}), blocked {blocked}",
    },
    "demo.vaults_thawed": {
        "ko": "마켓 프로그램을 승인하고 금고 {count}개의 동결을 해제했습니다",
        "en": "Market program approved and its {count} vaults thawed",
    },
    "demo.oracle_started": {
        "ko": "오라클 {index}: {url} (운영자 {operator})",
        "en": "Oracle {index}: {url} (operator {operator})",
    },
    "demo.report_posted": {
        "ko": "보유 보고서: KTB {positions}종, 종목당 액면 {face} KRW, 평가일 {date}, 오라클 1에 제출",
        "en": "Holdings report: {positions} KTB issues, face {face} KRW each, valued {date}, posted to oracle 1",
    },
    "demo.position": {
        "ko": "  {isin} {name}: 가격 {price} / 10,000, 만기 {maturity}",
        "en": "  {isin} {name}: price {price} per 10,000, matures {maturity}",
    },
    "demo.attestation_confirmed": {
        "ko": "증명 {id} 확정: 서명자 {signers}명, 트랜잭션 {tx}",
        "en": "Attestation {id} confirmed: {signers} signers, transaction {tx}",
    },
    "demo.collateral_attested": {
        "ko": "온체인 담보 가치 {value} KRW, 발행 한도 {capacity} KRW",
        "en": "Collateral on chain: value {value} KRW, capacity {capacity} KRW",
    },
    "demo.kyc_set": {
        "ko": "{role} {wallet}: KYC 관할 {jurisdiction}",
        "en": "{role} {wallet}: KYC jurisdiction {jurisdiction}",
    },
    "demo.deposit_posted": {
        "ko": "은행 입금 통지 {reference}: {amount} KRW, 오라클 {index}에 제출",
        "en": "Bank deposit notice {reference}: {amount} KRW, posted to oracle {index}",
    },
    "demo.balance": {"ko": "{role} 잔액: {amount} K-GPU", "en": "{role} balance: {amount} K-GPU"},
    "demo.role.renter": {"ko": "임차인", "en": "Renter"},
    "demo.role.provider": {"ko": "공급자", "en": "Provider"},
    "demo.role.blocked_renter": {"ko": "차단 관할 임차인", "en": "Blocked-jurisdiction renter"},
    "demo.provider_registered": {
        "ko": "공급자 {provider}: {gpu} × {count} ({power} W/GPU), 재생에너지 비율 {share}, 노드 키 {node}",
        "en": "Provider {provider}: {gpu} × {count} ({power} W per GPU), renewable share {share}, node key {node}",
    },
    "demo.provider_staked": {
        "ko": "등록 관리자가 승인했고, 공급자가 {stake} K-GPU를 스테이킹했습니다",
        "en": "Approved by the registry authority; staked {stake} K-GPU",
    },
    "demo.job_price": {
        "ko": "가격: {source} {usd} USD/GPU시간 × {rate} KRW/USD ({rate_date}) = {price} K-GPU/GPU시간",
        "en": "Price: {source} {usd} USD per GPU-hour × {rate} KRW per USD ({rate_date}) = {price} K-GPU per GPU-hour",
    },
    "demo.job_opened": {
        "ko": "작업 {job} 개설: 예산 {budget} K-GPU 에스크로",
        "en": "Job {job} opened: budget {budget} K-GPU in escrow",
    },
    "demo.clock_note": {
        "ko": "참고: 계량 시계를 가속합니다. {period}초 영수증 기간을 기다리지 않고 지금 끝나는 창으로 계량하며, 증명 행렬 곱은 실제로 계산합니다.",
        "en": "Note: the metering clock is accelerated. The {period} s receipt period is metered as a window ending now instead of being waited out; the proof-of-compute matrix product is computed for real.",
    },
    "demo.receipt_accepted": {
        "ko": "영수증 {sequence}번을 {oracle}이(가) 수락: {gpu_seconds} GPU초, {energy_wh} Wh (재생 {renewable_wh} Wh)",
        "en": "Receipt {sequence} accepted by {oracle}: {gpu_seconds} GPU-seconds, {energy_wh} Wh ({renewable_wh} Wh renewable)",
    },
    "demo.receipt_rejected": {
        "ko": "영수증이 수락되지 않았습니다: {outcome} {detail}",
        "en": "The receipt was not accepted: {outcome} {detail}",
    },
    "demo.receipt_settled": {
        "ko": "정산 완료: 지급 {payment} K-GPU (공급자 {provider_share}, 스테이커 수수료 {fee}), K-CARBON {carbon}, CO2 {co2} g",
        "en": "Settled: payment {payment} K-GPU ({provider_share} to the provider, {fee} fee to stakers), {carbon} K-CARBON, {co2} g CO2",
    },
    "demo.job_closed": {"ko": "작업 종료: {refund} K-GPU 환불", "en": "Job closed: {refund} K-GPU refunded"},
    "demo.redeemed": {
        "ko": "임차인이 {amount} K-GPU를 상환 요청했습니다 (요청 {redemption})",
        "en": "Renter redeemed {amount} K-GPU (request {redemption})",
    },
    "demo.blocked_rejected": {"ko": "예상대로 거부됨 ({error}):", "en": "Rejected as expected ({error}):"},
    "demo.blocked_not_rejected": {
        "ko": "차단 관할 임차인의 작업이 거부되지 않았습니다",
        "en": "The blocked-jurisdiction renter's job was not rejected",
    },
    "demo.summary.item": {"ko": "항목", "en": "Item"},
    "demo.summary.value": {"ko": "값", "en": "Value"},
    "demo.summary.renter": {"ko": "임차인 K-GPU", "en": "Renter K-GPU"},
    "demo.summary.provider": {"ko": "공급자 K-GPU", "en": "Provider K-GPU"},
    "demo.summary.stake_vault": {"ko": "스테이크 금고", "en": "Stake vault"},
    "demo.summary.reward_vault": {"ko": "보상 금고", "en": "Reward vault"},
    "demo.summary.escrow_vault": {"ko": "에스크로 금고", "en": "Escrow vault"},
    "demo.summary.supply": {"ko": "K-GPU 발행량", "en": "K-GPU supply"},
    "demo.summary.collateral": {"ko": "담보 가치 (KRW)", "en": "Collateral value (KRW)"},
    "demo.summary.capacity": {"ko": "발행 한도 (KRW)", "en": "Collateral capacity (KRW)"},
    "demo.summary.carbon": {"ko": "공급자 K-CARBON (재생 Wh)", "en": "Provider K-CARBON (renewable Wh)"},
    "demo.summary.co2": {"ko": "CO2 (g)", "en": "CO2 (g)"},
    "demo.reserve_url": {"ko": "준비금 페이지: {url}", "en": "Reserve page: {url}"},
    "demo.logs": {"ko": "프로세스 로그: {path}", "en": "Process logs: {path}"},
    "demo.stopping": {"ko": "시작한 프로세스를 종료합니다", "en": "Stopping the processes the demo started"},
    "demo.done": {"ko": "데모 완료 ({seconds}초)", "en": "Demo finished in {seconds} s"},
    "demo.interrupted": {"ko": "중단됨: 프로세스를 종료합니다", "en": "Interrupted: stopping the processes"},
    "demo.failed": {"ko": "데모 실패: {error}", "en": "Demo failed: {error}"},
}


def register_demo_messages() -> None:
    """Add :data:`DEMO_MESSAGES` to the SDK catalogue so :func:`kgpu.i18n.message` renders them.

    Raises:
        ValueError: the catalogue already contains one of the keys with other texts.
    """
    # The catalogue is a dict built at import time. It is typed read-only for its readers.
    catalogue = cast(MutableMapping[str, Mapping[str, str]], CATALOGUE)
    for key, texts in DEMO_MESSAGES.items():
        existing = catalogue.get(key)
        if existing is not None and existing != texts:
            raise ValueError(f"catalogue key {key} is already defined with other texts: remove one of the definitions")
        catalogue[key] = texts
