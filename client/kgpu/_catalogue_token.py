"""Korean and English messages of the `kgpu_token` program's custom errors (codes 6000 to 6032, and 6040).

Keys are `error.kgpu_token.<name>`. The program error templates may use the fields of
:class:`kgpu.errors.ProgramError`: `program_id`, `code`, `code_hex` and `index`.
"""

from __future__ import annotations

from collections.abc import Mapping

TOKEN_PROGRAM_MESSAGES: Mapping[str, Mapping[str, str]] = {
    "error.kgpu_token.config_not_found": {
        "ko": "kgpu_token 설정 계정 {address}이(가) 이 클러스터에 없습니다. 프로그램이 초기화되지 않았으니 --url을 확인하거나 관리자에게 initialize를 요청하세요.",
        "en": "The kgpu_token config account {address} does not exist on this cluster, so the program is not initialized: check --url, or ask the admin to run initialize.",
    },
    "error.kgpu_token.invalid_instruction_data": {
        "ko": "kgpu_token이 명령어 {index}번의 데이터를 해석하지 못했습니다(오류 {code}). SDK와 배포된 프로그램의 버전이 같은지 확인하세요.",
        "en": "kgpu_token could not decode the data of instruction {index} (error {code}): check that the SDK matches the deployed program version.",
    },
    "error.kgpu_token.not_enough_accounts": {
        "ko": "kgpu_token 명령어 {index}번에 계정이 부족합니다(오류 {code}). SDK 명령어 빌더로 명령어를 만드세요.",
        "en": "Instruction {index} passed fewer accounts than kgpu_token needs (error {code}): build it with the SDK instruction builders.",
    },
    "error.kgpu_token.too_many_accounts": {
        "ko": "kgpu_token 명령어 {index}번에 계정이 너무 많습니다(오류 {code}). set_kyc에는 지갑의 K-GPU 토큰 계정만 덧붙이세요.",
        "en": "Instruction {index} passed more accounts than kgpu_token accepts (error {code}): append only the wallet's K-GPU token accounts to set_kyc.",
    },
    "error.kgpu_token.missing_signer": {
        "ko": "kgpu_token 명령어 {index}번에 필요한 서명이 없습니다(오류 {code}). 관리자, 등록 관리자, 수수료 지불자 또는 보유자 키로 서명하세요.",
        "en": "A required signer did not sign instruction {index} (kgpu_token error {code}): sign with the admin, registry authority, payer or holder key.",
    },
    "error.kgpu_token.not_writable": {
        "ko": "kgpu_token이 쓰는 계정이 쓰기 가능으로 표시되지 않았습니다(명령어 {index}번, 오류 {code}). SDK 명령어 빌더를 쓰세요.",
        "en": "An account that kgpu_token writes is not marked writable in instruction {index} (error {code}): use the SDK instruction builders.",
    },
    "error.kgpu_token.invalid_owner": {
        "ko": "명령어 {index}번의 계정 소유 프로그램이 잘못되었습니다(kgpu_token 오류 {code}). 주소와 --url 클러스터를 확인하세요.",
        "en": "An account in instruction {index} is owned by the wrong program (kgpu_token error {code}): check the addresses and the --url cluster.",
    },
    "error.kgpu_token.invalid_account_data": {
        "ko": "명령어 {index}번의 계정이 기대한 kgpu_token 계정 종류가 아닙니다(오류 {code}). PDA 주소를 다시 계산하세요.",
        "en": "An account in instruction {index} is not the expected kgpu_token account type (error {code}): derive the PDA addresses again.",
    },
    "error.kgpu_token.invalid_address": {
        "ko": "명령어 {index}번의 계정 주소가 기대한 PDA, 민트, 시스템 변수 또는 프로그램 주소가 아닙니다(kgpu_token 오류 {code}). SDK 주소 함수로 계산하세요.",
        "en": "An account address in instruction {index} is not the expected PDA, mint, sysvar or program (kgpu_token error {code}): derive it with the SDK address helpers.",
    },
    "error.kgpu_token.duplicate_account": {
        "ko": "한 계정이 명령어 {index}번에 서로 다른 쓰기 계정으로 두 번 전달되었습니다(kgpu_token 오류 {code}). 계정 목록을 확인하세요.",
        "en": "One account was passed twice as distinct writable accounts in instruction {index} (kgpu_token error {code}): check the account list.",
    },
    "error.kgpu_token.unauthorized": {
        "ko": "서명자가 설정에 저장된 관리자나 등록 관리자가 아닙니다(명령어 {index}번, kgpu_token 오류 {code}). 올바른 키페어로 서명하세요.",
        "en": "The signer is not the admin or registry authority stored in the config (instruction {index}, kgpu_token error {code}): sign with the right keypair.",
    },
    "error.kgpu_token.already_initialized": {
        "ko": "kgpu_token 설정이 이미 있습니다(오류 {code}). initialize는 한 번만 호출할 수 있으니 update_params나 update_oracle_set을 쓰세요.",
        "en": "The kgpu_token config already exists (error {code}): initialize runs once, so use update_params or update_oracle_set.",
    },
    "error.kgpu_token.invalid_oracle_set": {
        "ko": "오라클 집합이 올바르지 않습니다(kgpu_token 오류 {code}). 서로 다른 키 1~10개와 1부터 키 개수 사이의 임계값을 주세요.",
        "en": "The oracle set is invalid (kgpu_token error {code}): pass 1 to 10 distinct keys and a threshold from 1 to the number of keys.",
    },
    "error.kgpu_token.invalid_params": {
        "ko": "매개변수가 범위를 벗어났습니다(kgpu_token 오류 {code}). 헤어컷은 0~10,000bps, 최대 증명 유효 시간은 0보다 커야 하고, 차단 국가는 16개, 승인 프로그램은 4개까지입니다.",
        "en": "A parameter is out of range (kgpu_token error {code}): haircut 0 to 10,000 bps, maximum attestation age above 0, at most 16 blocked jurisdictions and 4 approved programs.",
    },
    "error.kgpu_token.quorum_not_reached": {
        "ko": "현재 오라클 집합의 서명이 임계값보다 적습니다(명령어 {index}번, kgpu_token 오류 {code}). 서명자가 오라클 집합에 있는지, 배포 ID와 메시지가 맞는지 확인하세요.",
        "en": "Fewer than the threshold of current oracle keys signed the expected message (instruction {index}, kgpu_token error {code}): check that the signers are in the oracle set and that the deployment id and message match.",
    },
    "error.kgpu_token.invalid_ed25519_instruction": {
        "ko": "Ed25519 사전 컴파일 명령어가 잘못되었거나 다른 명령어를 가리킵니다(kgpu_token 오류 {code}). kgpu.quorum으로 만드세요.",
        "en": "An Ed25519 precompile instruction is malformed or points into another instruction (kgpu_token error {code}): build it with kgpu.quorum.",
    },
    "error.kgpu_token.stale_sequence": {
        "ko": "담보 증명 순번이 최신 순번보다 크지 않습니다(kgpu_token 오류 {code}). 설정의 attestation_sequence보다 큰 순번으로 증명하세요.",
        "en": "The attestation sequence is not greater than the latest one (kgpu_token error {code}): attest with a sequence above the config's attestation_sequence.",
    },
    "error.kgpu_token.future_valuation": {
        "ko": "평가 시각이 클러스터 시계보다 늦습니다(kgpu_token 오류 {code}). 평가 시각이 지난 뒤에 다시 제출하세요.",
        "en": "The valuation time is later than the cluster clock (kgpu_token error {code}): submit again once the valuation time has passed.",
    },
    "error.kgpu_token.stale_attestation": {
        "ko": "담보 증명이 없거나 최대 유효 시간보다 오래되었습니다(kgpu_token 오류 {code}). 오라클이 새 담보 보고서를 증명한 뒤 발행하세요.",
        "en": "No collateral attestation exists, or the latest one is older than the maximum age (kgpu_token error {code}): mint after the oracles attest a new collateral report.",
    },
    "error.kgpu_token.mint_paused": {
        "ko": "발행이 일시 중지되어 있습니다(kgpu_token 오류 {code}). 관리자가 update_params로 재개할 때까지 기다리세요. 상환은 계속 가능합니다.",
        "en": "Minting is paused (kgpu_token error {code}): wait until the admin resumes it with update_params. Redemption still works.",
    },
    "error.kgpu_token.kyc_invalid": {
        "ko": "KYC 기록이 철회되었거나 등급이 0입니다(kgpu_token 오류 {code}). 등록 관리자에게 KYC 갱신을 요청하세요.",
        "en": "The KYC record is revoked or has level 0 (kgpu_token error {code}): ask the registry authority to renew the KYC.",
    },
    "error.kgpu_token.kyc_expired": {
        "ko": "KYC 기록이 만료되었습니다(kgpu_token 오류 {code}). 등록 관리자에게 만료일 연장을 요청하세요.",
        "en": "The KYC record has expired (kgpu_token error {code}): ask the registry authority to extend it.",
    },
    "error.kgpu_token.jurisdiction_blocked": {
        "ko": "KYC 기록의 국가가 차단 목록에 있습니다(kgpu_token 오류 {code}). 이 지갑으로는 발행할 수 없습니다.",
        "en": "The KYC record's jurisdiction is on the blocked list (kgpu_token error {code}): this wallet cannot receive mints.",
    },
    "error.kgpu_token.capacity_exceeded": {
        "ko": "발행 후 공급량이 담보 발행 한도를 넘습니다(kgpu_token 오류 {code}). 금액을 줄이거나 더 큰 담보 증명을 기다리세요.",
        "en": "Supply after the mint would exceed the collateral capacity (kgpu_token error {code}): mint less, or wait for an attestation of more collateral.",
    },
    "error.kgpu_token.deposit_already_applied": {
        "ko": "이 입금 ID는 이미 발행에 쓰였습니다(kgpu_token 오류 {code}). 같은 입금을 다시 발행하지 마세요.",
        "en": "This deposit id was already minted (kgpu_token error {code}): do not mint the same deposit again.",
    },
    "error.kgpu_token.overflow": {
        "ko": "kgpu_token의 산술 연산이 넘쳤습니다(오류 {code}). 금액을 확인하세요.",
        "en": "An arithmetic operation in kgpu_token overflowed (error {code}): check the amounts.",
    },
    "error.kgpu_token.invalid_amount": {
        "ko": "금액이 0입니다(kgpu_token 오류 {code}). 1원 이상의 금액을 주세요.",
        "en": "The amount is zero (kgpu_token error {code}): pass at least 1 KRW.",
    },
    "error.kgpu_token.redemption_already_paid": {
        "ko": "상환 요청이 다른 지급 참조로 이미 지급 처리되었습니다(kgpu_token 오류 {code}). 상환 계정의 payment_reference_hash를 확인하세요.",
        "en": "The redemption was already paid with a different payment reference (kgpu_token error {code}): check the redemption account's payment_reference_hash.",
    },
    "error.kgpu_token.invalid_token_account": {
        "ko": "토큰 계정이 기대한 소유자의 K-GPU 계정이 아닙니다(명령어 {index}번, kgpu_token 오류 {code}). 소유자의 K-GPU 연관 토큰 계정을 쓰세요.",
        "en": "The token account is not a K-GPU account of the expected owner (instruction {index}, kgpu_token error {code}): use the owner's K-GPU associated token account.",
    },
    "error.kgpu_token.program_not_approved": {
        "ko": "토큰 계정 소유자가 승인된 프로그램의 PDA가 아닙니다(kgpu_token 오류 {code}). 관리자가 update_params로 프로그램을 승인해야 합니다.",
        "en": "The token account owner is not a PDA of an approved program (kgpu_token error {code}): the admin must approve the program with update_params.",
    },
    "error.kgpu_token.invalid_seeds": {
        "ko": "시드로 곡선 밖 주소를 만들 수 없거나 기대한 주소가 나오지 않습니다(kgpu_token 오류 {code}). 범프를 마지막 시드로 넣었는지 확인하세요.",
        "en": "The seeds derive no off-curve address or not the expected one (kgpu_token error {code}): check that the bump is the last seed.",
    },
    "error.kgpu_token.unsupported_rent": {
        "ko": "클러스터의 Rent 시스템 변수 값을 kgpu_token이 계산할 수 없습니다(오류 {code}). 표준 임대료 설정을 쓰는 클러스터를 사용하세요.",
        "en": "kgpu_token cannot compute with this cluster's Rent sysvar (error {code}): use a cluster with the standard rent settings.",
    },
    "error.kgpu_token.cpi_failed": {
        "ko": "kgpu_token이 호출한 프로그램이 오류를 반환했습니다(오류 {code}). 프로그램 로그를 확인하세요.",
        "en": "A program that kgpu_token invoked returned an error (error {code}): check the program logs.",
    },
    "error.kgpu_token.not_upgrade_authority": {
        "ko": "initialize 서명자가 프로그램의 업그레이드 권한자가 아닙니다(kgpu_token 오류 {code}). 업그레이드 권한자 키페어로 서명하세요.",
        "en": "The signer of initialize is not the program's upgrade authority (kgpu_token error {code}): sign with the upgrade authority keypair.",
    },
    "error.kgpu_token.protected_account": {
        "ko": "토큰 계정 소유자가 PDA라서 그 프로그램이 잔액을 장부에 기록하고 있으므로 seize할 수 없습니다(명령어 {index}번, kgpu_token 오류 {code}). 프로그램이 자금을 수혜자 지갑으로 지급한 뒤(예: close_job 환불 후) 그 지갑의 토큰 계정에서 seize하세요.",
        "en": "The token account's owner is a PDA, so its program books the balance and seize cannot burn from it (instruction {index}, kgpu_token error {code}): seize from the beneficiary's wallet account after the program pays the funds out, for example after close_job refunds the renter.",
    },
    "error.kgpu_token.program_id_mismatch": {
        "ko": "kgpu_token이 상수 PDA를 생성한 프로그램 ID가 아닌 다른 ID에서 실행되었습니다(오류 {code}). programs/keys의 키로 배포하거나 addresses.rs를 다시 생성한 뒤 빌드하세요.",
        "en": "kgpu_token runs at a program id other than the one its constant PDAs were generated for (error {code}): deploy with the keys in programs/keys, or regenerate addresses.rs and rebuild.",
    },
    "error.kgpu_token.deposit_id_not_canonical": {
        "ko": "입금 레코드 PDA의 bump가 255가 아닙니다(kgpu_token 오류 {code}). kgpu.token.canonical_deposit_id로 입금 ID를 만드세요.",
        "en": "The deposit record PDA of this deposit id needs bump 255 (kgpu_token error {code}): derive the id with kgpu.token.canonical_deposit_id.",
    },
    "error.kgpu_token.redemption_nonce_not_canonical": {
        "ko": "상환 요청 PDA의 bump가 255가 아닙니다(kgpu_token 오류 {code}). kgpu.token.canonical_redemption_nonce로 nonce를 고르세요.",
        "en": "The redemption PDA of this nonce needs bump 255 (kgpu_token error {code}): pick the nonce with kgpu.token.canonical_redemption_nonce.",
    },
    "error.kgpu_token.not_initialized": {
        "ko": "kgpu_token 설정 계정이 아직 없습니다(오류 {code}). 먼저 initialize를 실행하세요.",
        "en": "The kgpu_token config does not exist yet (error {code}): run initialize first.",
    },
}
