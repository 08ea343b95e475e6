"""Korean and English messages of the `kgpu_market` errors, added to the SDK catalogue on import.

Keys are `error.kgpu_market.<name>`. Program error templates may use the fields of
:class:`kgpu.errors.ProgramError`: `program_id`, `code`, `code_hex` and `index`.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import cast

from kgpu.i18n import CATALOGUE

__all__ = ["MARKET_MESSAGES", "register_market_messages"]

MARKET_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "error.kgpu_market.market_not_found": {
        "ko": "kgpu_market 마켓 계정 {address}이(가) 이 클러스터에 없습니다. 마켓이 초기화되지 않았으니 --url을 확인하거나 관리자에게 initialize_market을 요청하세요.",
        "en": "The kgpu_market account {address} does not exist on this cluster, so the market is not initialized: check --url, or ask the admin to run initialize_market.",
    },
    "error.kgpu_market.job_not_found": {
        "ko": "작업 계정 {address}이(가) 없습니다. 작업 주소(임차인과 nonce로 계산)와 --url 클러스터를 확인하세요.",
        "en": "The job account {address} does not exist: check the job address (derived from the renter and nonce) and the --url cluster.",
    },
    "error.kgpu_market.unauthorized": {
        "ko": "서명자가 계정에 저장된 관리자, 등록 관리자, 임차인 또는 공급자가 아닙니다(명령어 {index}번, kgpu_market 오류 {code}). 해당 역할의 키페어로 서명하세요.",
        "en": "The signer is not the admin, registry authority, renter or provider the account names (instruction {index}, kgpu_market error {code}): sign with that role's keypair.",
    },
    "error.kgpu_market.invalid_params": {
        "ko": "마켓 매개변수가 범위를 벗어났습니다(명령어 {index}번, kgpu_market 오류 {code}). 수수료는 10,000bps 이하, 언본딩 기간은 0 이상, 차단 관할은 대문자 두 글자 코드 16개 이하로 지정하세요.",
        "en": "A market parameter is out of range (instruction {index}, kgpu_market error {code}): use a fee of at most 10,000 bps, an unbonding period of at least 0 and at most 16 upper-case 2-letter jurisdiction codes.",
    },
    "error.kgpu_market.invalid_account_type": {
        "ko": "계정의 크기나 판별자가 역할에 맞지 않습니다(명령어 {index}번, kgpu_market 오류 {code}). 마켓, 공급자, 작업 주소를 SDK의 PDA 함수로 계산했는지 확인하세요.",
        "en": "An account has the wrong size or discriminator for its role (instruction {index}, kgpu_market error {code}): derive the market, provider and job addresses with the SDK's PDA functions.",
    },
    "error.kgpu_market.account_mismatch": {
        "ko": "계정이 마켓이나 작업에 저장된 주소와 다릅니다(명령어 {index}번, kgpu_market 오류 {code}). 토큰 설정, 금고, 민트, 공급자, KYC 기록 주소를 마켓 계정에서 읽어 쓰세요.",
        "en": "An account does not match the address the market or job stores for it (instruction {index}, kgpu_market error {code}): read the token config, vault, mint, provider and KYC record addresses from the market account.",
    },
    "error.kgpu_market.invalid_token_account": {
        "ko": "토큰 계정의 민트나 소유자가 잘못되었습니다(명령어 {index}번, kgpu_market 오류 {code}). 해당 지갑이 소유한 K-GPU(또는 K-CARBON) 연관 토큰 계정을 쓰세요.",
        "en": "A token account has the wrong mint or owner (instruction {index}, kgpu_market error {code}): use the wallet's own K-GPU (or K-CARBON) associated token account.",
    },
    "error.kgpu_market.provider_not_approved": {
        "ko": "공급자가 등록 관리자의 승인을 받지 않았습니다(명령어 {index}번, kgpu_market 오류 {code}). 등록 관리자에게 approve_provider를 요청하세요.",
        "en": "The provider is not approved by the registry authority (instruction {index}, kgpu_market error {code}): ask the registry authority to run approve_provider.",
    },
    "error.kgpu_market.insufficient_stake": {
        "ko": "공급자의 활성 스테이크가 GPU당 최소 스테이크와 GPU 수의 곱보다 적거나, 열린 작업이 있는 동안 스테이크 해제로 그보다 적어집니다(명령어 {index}번, kgpu_market 오류 {code}). 작업을 열려면 stake로 K-GPU를 더 예치하고, 해제하려면 금액을 줄이거나 공급자의 작업이 모두 닫힌 뒤 다시 요청하세요.",
        "en": "The provider's active stake is below min_stake_per_gpu times gpu_count, or an unstake would take it below that while the provider has open jobs (instruction {index}, kgpu_market error {code}): to open a job, stake more K-GPU; to unstake, request less or wait until the provider's jobs are closed.",
    },
    "error.kgpu_market.jurisdiction_blocked": {
        "ko": "임차인의 KYC 관할이 마켓 또는 토큰 프로그램의 차단 목록에 있습니다(명령어 {index}번, kgpu_market 오류 {code}). 이 관할의 지갑은 작업을 열 수 없습니다.",
        "en": "The renter's KYC jurisdiction is on the market's or the token program's blocked list (instruction {index}, kgpu_market error {code}): wallets from this jurisdiction cannot open jobs.",
    },
    "error.kgpu_market.region_blocked": {
        "ko": "공급자의 지역이 마켓의 차단 목록에 있습니다(명령어 {index}번, kgpu_market 오류 {code}). 차단되지 않은 지역의 공급자를 고르세요.",
        "en": "The provider's region is on the market's blocked list (instruction {index}, kgpu_market error {code}): choose a provider in a region that is not blocked.",
    },
    "error.kgpu_market.kyc_invalid": {
        "ko": "임차인의 KYC 기록이 레벨 0이거나 취소되었습니다(명령어 {index}번, kgpu_market 오류 {code}). 등록 관리자에게 KYC 갱신을 요청하세요.",
        "en": "The renter's KYC record has level 0 or is revoked (instruction {index}, kgpu_market error {code}): ask the registry authority to renew the KYC record.",
    },
    "error.kgpu_market.kyc_expired": {
        "ko": "임차인의 KYC 기록이 만료되었습니다(명령어 {index}번, kgpu_market 오류 {code}). 등록 관리자에게 KYC 갱신을 요청하세요.",
        "en": "The renter's KYC record expired (instruction {index}, kgpu_market error {code}): ask the registry authority to renew the KYC record.",
    },
    "error.kgpu_market.invalid_amount": {
        "ko": "금액, 가격, 예산, GPU 수 또는 종료 시각이 0이거나 범위를 벗어났습니다(명령어 {index}번, kgpu_market 오류 {code}). 0보다 큰 값과 미래의 종료 시각을 지정하고, 스테이크 해제 금액은 활성 스테이크 이하로 하세요.",
        "en": "An amount, price, budget, GPU count or end time is zero or out of range (instruction {index}, kgpu_market error {code}): pass values above zero, an end time in the future, and an unstake amount of at most the active stake.",
    },
    "error.kgpu_market.job_closed": {
        "ko": "작업이 이미 종료되었습니다(명령어 {index}번, kgpu_market 오류 {code}). 종료된 작업에는 영수증을 정산하거나 다시 종료할 수 없으니 새 작업을 여세요.",
        "en": "The job is closed (instruction {index}, kgpu_market error {code}): receipts cannot settle against it and it cannot be closed again, so open a new job.",
    },
    "error.kgpu_market.job_not_ended": {
        "ko": "종료 시각 전에는 임차인이나 작업의 공급자 권한자만 작업을 종료할 수 있습니다(명령어 {index}번, kgpu_market 오류 {code}). 임차인 또는 공급자 키로 서명하거나 종료 시각 이후에 다시 시도하세요.",
        "en": "Only the renter or the job's provider authority may close the job before its end time (instruction {index}, kgpu_market error {code}): sign with the renter's or the provider's key, or retry after the end time.",
    },
    "error.kgpu_market.receipt_already_settled": {
        "ko": "영수증 순번이 작업의 마지막 정산 순번보다 크지 않습니다(명령어 {index}번, kgpu_market 오류 {code}). 이 영수증은 이미 정산되었거나 더 늦은 영수증이 먼저 정산되었습니다. 작업의 last_sequence를 확인하세요.",
        "en": "The receipt sequence is not above the job's last settled sequence (instruction {index}, kgpu_market error {code}): this receipt or a later one already settled, so check the job's last_sequence.",
    },
    "error.kgpu_market.invalid_receipt": {
        "ko": "영수증의 구간, GPU-초 또는 에너지 값이 맞지 않습니다(명령어 {index}번, kgpu_market 오류 {code}). window_end는 window_start보다 커야 하고, renewable_wh는 energy_wh 이하, gpu_seconds는 구간 길이와 GPU 수의 곱 이하여야 합니다.",
        "en": "The receipt's window, GPU-seconds or energy figures are inconsistent (instruction {index}, kgpu_market error {code}): window_end must be after window_start, renewable_wh at most energy_wh, and gpu_seconds at most the window length times the GPU count.",
    },
    "error.kgpu_market.quorum_not_reached": {
        "ko": "현재 오라클 집합의 서명이 임계값보다 적습니다(명령어 {index}번, kgpu_market 오류 {code}). 서명자가 토큰 설정의 오라클 집합에 있는지, 배포 ID와 메시지가 맞는지 확인하세요.",
        "en": "Fewer distinct oracles than the threshold signed the expected message (instruction {index}, kgpu_market error {code}): check that the signers are in the token config's oracle set and that the deployment id and message match.",
    },
    "error.kgpu_market.unbonding_not_finished": {
        "ko": "언본딩 기간이 아직 끝나지 않았습니다(명령어 {index}번, kgpu_market 오류 {code}). 공급자 계정의 unbonding_end 이후에 다시 인출하세요.",
        "en": "The unbonding period has not passed yet (instruction {index}, kgpu_market error {code}): withdraw again after the provider's unbonding_end.",
    },
    "error.kgpu_market.nothing_to_withdraw": {
        "ko": "인출할 언본딩 스테이크가 없습니다(명령어 {index}번, kgpu_market 오류 {code}). 먼저 request_unstake를 보내세요.",
        "en": "There is no unbonding stake to withdraw (instruction {index}, kgpu_market error {code}): send request_unstake first.",
    },
    "error.kgpu_market.nothing_to_claim": {
        "ko": "청구할 보상이 없습니다(명령어 {index}번, kgpu_market 오류 {code}). 스테이크한 뒤 정산 수수료가 쌓이면 다시 청구하세요.",
        "en": "There are no rewards to claim (instruction {index}, kgpu_market error {code}): claim again after settlement fees accrue to your stake.",
    },
    "error.kgpu_market.invalid_slash_sequence": {
        "ko": "슬래시 순번이 공급자의 slash_count + 1이 아닙니다(명령어 {index}번, kgpu_market 오류 {code}). 공급자 계정을 다시 읽어 다음 순번으로 서명하세요.",
        "en": "The slash sequence is not the provider's slash_count plus one (instruction {index}, kgpu_market error {code}): fetch the provider again and sign the next sequence.",
    },
    "error.kgpu_market.already_initialized": {
        "ko": "만들 계정에 이미 데이터가 있거나 다른 프로그램 소유이거나, 초기화할 마켓 구성 요소가 이미 있습니다(명령어 {index}번, kgpu_market 오류 {code}). 마켓과 그 민트·금고, 공급자는 한 번만 만들 수 있고, 작업은 새 nonce를 쓰세요.",
        "en": "The account to create already contains data or belongs to another program, or the market part to initialize already exists (instruction {index}, kgpu_market error {code}): the market, its mint and vaults, and each provider exist once, and a new job needs a new nonce.",
    },
    "error.kgpu_market.not_upgrade_authority": {
        "ko": "서명자가 kgpu_market 프로그램의 업그레이드 권한자가 아닙니다(명령어 {index}번, kgpu_market 오류 {code}). 업그레이드 권한자 키로 initialize_market에 서명하세요.",
        "en": "The signer is not the kgpu_market program's upgrade authority (instruction {index}, kgpu_market error {code}): sign initialize_market with the upgrade authority's keypair.",
    },
    "error.kgpu_market.declared_program_id_mismatch": {
        "ko": "kgpu_market 프로그램이 빌드된 프로그램 ID와 다른 주소에서 실행되었습니다(명령어 {index}번, kgpu_market 오류 {code}). programs/keys의 프로그램 키로 배포하거나, 배포할 키로 주소를 다시 생성하고 다시 빌드하세요.",
        "en": "The kgpu_market program runs under an id other than the one it was built for (instruction {index}, kgpu_market error {code}): deploy it with the program keypair in programs/keys, or regenerate its addresses for your keypair and rebuild.",
    },
    "error.kgpu_market.market_not_ready": {
        "ko": "마켓에 K-CARBON 민트나 금고가 아직 없습니다(명령어 {index}번, kgpu_market 오류 {code}). 관리자가 initialize_carbon_mint와 네 가지 initialize_vault를 먼저 실행해야 합니다.",
        "en": "The market is missing its K-CARBON mint or a vault (instruction {index}, kgpu_market error {code}): the admin must run initialize_carbon_mint and initialize_vault for all four kinds first.",
    },
    "error.kgpu_market.invalid_job_nonce": {
        "ko": "작업 계정이 PDA [\"job\", 임차인, nonce, 255]가 아닙니다(명령어 {index}번, kgpu_market 오류 {code}). open_job은 작업 PDA의 정규 bump가 255인 nonce만 받으므로 kgpu.market.find_job_nonce로 다른 nonce를 고르세요.",
        "en": "The job account is not PDA [\"job\", renter, nonce, 255] (instruction {index}, kgpu_market error {code}): open_job accepts only nonces whose job PDA has canonical bump 255, so pick another nonce with kgpu.market.find_job_nonce.",
    },
    "error.kgpu_market.invalid_vault_kind": {
        "ko": "금고 종류가 0(스테이크), 1(보상), 2(보험), 3(에스크로)가 아닙니다(명령어 {index}번, kgpu_market 오류 {code}). 이 네 값 중 하나를 쓰세요.",
        "en": "The vault kind is not 0 (stake), 1 (reward), 2 (insurance) or 3 (escrow) (instruction {index}, kgpu_market error {code}): use one of these four values.",
    },
    "error.kgpu_market.nothing_to_refund": {
        "ko": "작업에 지급할 환불이 없습니다(명령어 {index}번, kgpu_market 오류 {code}). 작업이 아직 진행 중이거나 환불이 이미 지급되었습니다.",
        "en": "The job has no refund due (instruction {index}, kgpu_market error {code}): the job is still open, or its refund was already paid.",
    },
}


def register_market_messages() -> None:
    """Add :data:`MARKET_MESSAGES` to the SDK catalogue so :func:`kgpu.i18n.message` renders them.

    Raises:
        ValueError: the catalogue already contains one of the keys with other texts.
    """
    # The catalogue is a dict built at import time. It is typed read-only for its readers.
    catalogue = cast(MutableMapping[str, Mapping[str, str]], CATALOGUE)
    for key, texts in MARKET_MESSAGES.items():
        existing = catalogue.get(key)
        if existing is not None and existing != texts:
            raise ValueError(f"catalogue key {key} is already defined with other texts: remove one of the definitions")
        catalogue[key] = texts
