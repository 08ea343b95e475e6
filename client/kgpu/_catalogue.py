"""Message catalogue: every user-facing text, keyed by a dotted name, in Korean and English.

Templates use ``str.format`` fields. Both languages of an entry use the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping

from kgpu._catalogue_token import TOKEN_PROGRAM_MESSAGES

CATALOGUE: Mapping[str, Mapping[str, str]] = {
    # -- command help ------------------------------------------------------------------------
    "help.root": {
        "ko": "K-GPU: 원화 연동 스테이블 토큰(1 K-GPU = 1원)과 GPU 연산 마켓을 위한 명령입니다.",
        "en": "K-GPU: commands for the KRW-pegged stable token (1 K-GPU = 1 KRW) and the GPU compute market.",
    },
    "help.wallet": {
        "ko": "지갑 키페어를 만들고, 주소와 잔액을 확인하고, SOL이나 K-GPU를 보냅니다.",
        "en": "Create a wallet keypair, show its address and balances, and send SOL or K-GPU.",
    },
    "help.wallet_new": {
        "ko": "새 지갑 키페어를 만들어 --keypair(또는 --outfile) 경로에 권한 0600으로 저장하고 공개키를 출력합니다.",
        "en": "Create a new wallet keypair, save it to the --keypair (or --outfile) path with mode 0600, and print its public key.",
    },
    "help.wallet_show": {
        "ko": "지갑 공개키, 키페어 파일, 클러스터 URL, K-GPU 민트와 토큰 계정 주소를 보여 줍니다. RPC를 호출하지 않습니다.",
        "en": "Show the wallet public key, keypair file, cluster URLs, and K-GPU mint and token account addresses. Makes no RPC call.",
    },
    "help.wallet_balance": {
        "ko": "SOL 잔액과, 클러스터에 K-GPU 민트가 있으면 Token-2022 연관 토큰 계정의 K-GPU 잔액을 보여 줍니다.",
        "en": "Show the SOL balance and, when the K-GPU mint exists on the cluster, the K-GPU balance of the Token-2022 associated token account.",
    },
    "help.wallet_transfer": {
        "ko": "SOL 또는 K-GPU(--token kgpu, Token-2022 transfer_checked)를 보내고 트랜잭션이 확정될 때까지 기다립니다.",
        "en": "Send SOL or K-GPU (--token kgpu, Token-2022 transfer_checked) and wait until the transaction is confirmed.",
    },
    "help.redeem": {
        "ko": "K-GPU를 소각하고 원화 상환을 요청합니다. 오라클 정족수가 은행 지급을 확인하면 완료됩니다.",
        "en": "Burn K-GPU and request redemption in KRW. The request completes when the oracle quorum confirms the bank payment.",
    },
    "help.job": {
        "ko": "GPU 작업을 열고, 조회하고, 닫습니다. 작업 예산은 에스크로에 예치됩니다.",
        "en": "Open, list, show and close GPU jobs. A job's budget is held in escrow.",
    },
    "help.job_open": {
        "ko": "승인되고 스테이킹된 공급자에게 작업을 열고 예산을 K-GPU로 에스크로에 예치합니다.",
        "en": "Open a job with an approved, staked provider and escrow its budget in K-GPU.",
    },
    "help.job_list": {
        "ko": "작업 목록을 보여 줍니다. 기본값은 내 지갑이 임차인인 진행 중인 작업입니다.",
        "en": "List jobs. By default the open jobs whose renter is this wallet.",
    },
    "help.job_show": {
        "ko": "작업 하나의 상태, 에스크로 잔액, 지급액과 정산된 사용량 합계를 보여 줍니다.",
        "en": "Show one job's state, escrow balance, payments and settled usage totals.",
    },
    "help.job_close": {
        "ko": "작업을 닫고 에스크로에 남은 K-GPU를 임차인에게 환불합니다. 임차인과 작업의 공급자는 언제든, 그 밖의 지갑은 종료 시각부터 닫을 수 있습니다. 임차인의 K-GPU 계정이 없거나 동결되어 있으면 환불은 작업에 보류되고 job claim-refund로 지급합니다.",
        "en": "Close a job and refund the K-GPU left in escrow to the renter. The renter and the job's provider may close it at any time, any other wallet from its end time on. If the renter's K-GPU account is missing or frozen, the refund is held on the job for job claim-refund.",
    },
    "help.job_claim_refund": {
        "ko": "작업을 닫을 때 임차인의 K-GPU 계정으로 보내지 못해 보류된 환불(refund_due)을 임차인의 K-GPU 연관 토큰 계정으로 지급합니다. 그 계정은 동결 해제되어 있어야 하며, 어느 지갑이든 보낼 수 있습니다.",
        "en": "Pay a job's held refund (refund_due), which close_job could not send to the renter's K-GPU account, to the renter's K-GPU associated token account. That account must be thawed. Any wallet may send it.",
    },
    "help.provider": {
        "ko": "GPU 공급자 노드를 등록하고, 스테이킹하고, 작업을 처리합니다.",
        "en": "Register a GPU provider node, stake, and serve jobs.",
    },
    "help.provider_register": {
        "ko": "지갑을 GPU 공급자로 등록합니다(노드 키, 모델, 개수, 지역, 에너지원). 등록 관리자가 승인하고 스테이킹해야 작업을 받을 수 있습니다.",
        "en": "Register the wallet as a GPU provider (node key, model, count, region, energy source). It takes jobs once the registry authority approves it and it has staked.",
    },
    "help.provider_stake": {
        "ko": "K-GPU를 스테이킹합니다. 작업을 받으려면 GPU당 최소 스테이킹 금액 × GPU 개수 이상이 필요합니다.",
        "en": "Stake K-GPU. Taking jobs needs at least the minimum stake per GPU times the GPU count.",
    },
    "help.provider_unstake": {
        "ko": "스테이킹 해제를 시작합니다. 언본딩 기간이 지나면 withdraw로 인출합니다.",
        "en": "Start unstaking. Withdraw the amount with `provider withdraw` after the unbonding period.",
    },
    "help.provider_withdraw": {
        "ko": "언본딩 기간이 끝난 스테이킹 금액을 지갑으로 인출합니다.",
        "en": "Withdraw stake whose unbonding period has ended to the wallet.",
    },
    "help.provider_claim": {
        "ko": "스테이킹 보상으로 쌓인 프로토콜 수수료 몫을 받습니다.",
        "en": "Claim this provider's share of protocol fees earned by staking.",
    },
    "help.provider_serve": {
        "ko": "노드 키로 작업을 받아 실행하고 사용량 영수증에 서명해 오라클에 보냅니다. Ctrl+C로 멈출 때까지 실행됩니다.",
        "en": "Run jobs with the node key, sign usage receipts and send them to the oracle. Runs until stopped with Ctrl+C.",
    },
    "help.reserve": {
        "ko": "준비금 증명을 보여 줍니다: 최신 담보 평가액, 헤어컷 반영 발행 한도, 유통량, 평가 시각.",
        "en": "Show proof of reserve: latest collateral value, haircut-adjusted capacity, supply in circulation and valuation time.",
    },
    "help.admin": {
        "ko": "거버넌스 관리자 명령: 초기화, 오라클 구성, 매개변수, 일시 중지, KYC, 공급자 승인.",
        "en": "Governance commands: initialise, oracle set, parameters, pause, KYC, provider approval.",
    },
    "help.admin_init": {
        "ko": "kgpu_token과 kgpu_market을 초기화하고 K-GPU 민트를 만든 뒤, 토큰 프로그램에서 마켓을 승인하고 마켓 금고의 동결을 해제합니다. --keypair는 두 프로그램의 업그레이드 권한자여야 합니다(kgpu-localnet에서는 <ledger>/faucet-keypair.json). 끝난 단계는 건너뛰므로 다시 실행할 수 있습니다.",
        "en": "Initialise kgpu_token and kgpu_market, create the K-GPU mint, approve the market in the token program and thaw the market's vaults. --keypair must be both programs' upgrade authority (on kgpu-localnet, <ledger>/faucet-keypair.json). Finished steps are skipped, so it can be rerun.",
    },
    "help.admin_oracle_set": {
        "ko": "오라클 운영자 공개키 목록과 정족수(서명 수 기준)를 교체합니다.",
        "en": "Replace the oracle operator public keys and the quorum threshold (signatures required).",
    },
    "help.admin_params": {
        "ko": "지정한 매개변수만 바꿉니다. 지정하지 않은 값은 그대로 둡니다.",
        "en": "Change only the parameters given. The others keep their values.",
    },
    "help.admin_pause": {
        "ko": "kgpu_token의 발행을 일시 중지하거나 --unpause로 다시 시작합니다. 소각과 상환은 중지 중에도 허용됩니다. kgpu_market에는 일시 중지 명령어가 없어 --program market은 아직 지원하지 않습니다.",
        "en": "Pause minting in kgpu_token, or resume it with --unpause. Burning and redemption stay allowed while paused. kgpu_market has no pause instruction, so --program market is not supported yet.",
    },
    "help.admin_kyc": {
        "ko": "지갑의 KYC 기록(관할 지역, 만료일)을 쓰고 K-GPU 토큰 계정의 동결을 해제합니다. --revoke로 취소합니다.",
        "en": "Write a wallet's KYC record (jurisdiction, expiry) and thaw its K-GPU token account. --revoke withdraws it.",
    },
    "help.admin_approve": {
        "ko": "등록된 공급자 노드를 승인합니다. --revoke로 승인을 취소합니다.",
        "en": "Approve a registered provider node. --revoke withdraws the approval.",
    },
    "help.custodian": {
        "ko": "수탁기관 명령: 담보 보유 내역 보고.",
        "en": "Custodian commands: report collateral holdings.",
    },
    "help.custodian_report": {
        "ko": "FILE의 국고채 보유 내역으로 EIP-712 보고서를 만들어 서명하고 오라클의 POST /v1/collateral-reports로 보냅니다. 오라클 정족수가 확인하면 담보 증명이 기록됩니다.",
        "en": "Build an EIP-712 holdings report from the treasury-bond positions in FILE, sign it and send it to the oracle's POST /v1/collateral-reports. The quorum's check records a collateral attestation.",
    },
    "help.bank": {
        "ko": "은행 명령: 원화 입금 통지.",
        "en": "Bank commands: KRW deposit notices.",
    },
    "help.bank_deposit": {
        "ko": "은행 키로 원화 입금 통지에 서명해 오라클의 POST /v1/deposits로 보냅니다. 정족수가 확인하면 수취인에게 같은 금액의 K-GPU가 발행됩니다.",
        "en": "Sign a KRW deposit notice with the bank key and send it to the oracle's POST /v1/deposits. Once the quorum attests it, the beneficiary is minted the same amount of K-GPU.",
    },
    # -- global options, options and arguments --------------------------------------------
    "opt.url": {
        "ko": "클러스터: localnet(http://127.0.0.1:8899), devnet, testnet, mainnet-beta 또는 JSON-RPC URL.",
        "en": "Cluster: localnet (http://127.0.0.1:8899), devnet, testnet, mainnet-beta, or a JSON-RPC URL.",
    },
    "opt.keypair": {
        "ko": "지갑 키페어 파일(Solana CLI 형식, 64바이트 JSON 배열) 경로.",
        "en": "Wallet keypair file (Solana CLI format, a JSON array of 64 bytes).",
    },
    "opt.json": {
        "ko": "결과를 JSON 객체 하나로 출력합니다(색상과 진행 표시 없음, 키 고정).",
        "en": "Print the result as one JSON object (no colour or spinner, stable keys).",
    },
    "opt.outfile": {
        "ko": "새 키페어를 쓸 파일. 기본값은 --keypair 경로입니다.",
        "en": "File to write the new keypair to. Defaults to the --keypair path.",
    },
    "opt.force": {
        "ko": "기존 키페어 파일을 덮어씁니다. 이전 비밀키는 복구할 수 없습니다.",
        "en": "Overwrite an existing keypair file. The old secret key cannot be recovered.",
    },
    "opt.token": {
        "ko": "보낼 자산: sol(금액 단위 SOL) 또는 kgpu(금액 단위 원, 정수).",
        "en": "Asset to send: sol (amount in SOL) or kgpu (amount in KRW, whole numbers).",
    },
    "opt.priority_fee": {
        "ko": "우선 수수료: 컴퓨트 유닛당 마이크로 램포트(SetComputeUnitPrice). 0이면 붙이지 않습니다.",
        "en": "Priority fee in micro-lamports per compute unit (SetComputeUnitPrice). 0 adds none.",
    },
    "opt.compute_unit_limit": {
        "ko": "트랜잭션 컴퓨트 유닛 한도(SetComputeUnitLimit), 1~1,400,000. 생략하면 클러스터 기본값.",
        "en": "Compute-unit limit of the transaction (SetComputeUnitLimit), 1 to 1,400,000. The cluster default when omitted.",
    },
    "opt.amount_krw": {
        "ko": "금액, 원(K-GPU 1개 = 1원) 단위 정수.",
        "en": "Amount in KRW (1 K-GPU = 1 KRW), a whole number.",
    },
    "opt.bank_ref": {
        "ko": "원화를 받을 은행 계좌 참조값. 체인에는 SHA-256 해시만 기록됩니다.",
        "en": "Reference of the bank account to receive KRW. Only its SHA-256 hash is stored on chain.",
    },
    "opt.provider": {
        "ko": "작업을 맡길 공급자: 공급자 지갑 또는 Provider 계정 주소.",
        "en": "Provider to run the job: the provider wallet or its Provider account address.",
    },
    "opt.provider_filter": {
        "ko": "이 공급자(지갑 또는 Provider 계정 주소)의 작업만 보여 줍니다. 지정하면 --renter 기본값을 쓰지 않습니다.",
        "en": "Show only jobs of this provider (wallet or Provider account address). With it, --renter has no default.",
    },
    "opt.renter": {
        "ko": "이 임차인 지갑 공개키의 작업만 보여 줍니다. 기본값은 내 지갑입니다.",
        "en": "Show only jobs of this renter wallet public key. Defaults to this wallet.",
    },
    "opt.job_status": {
        "ko": "보여 줄 작업 상태: open, closed 또는 all.",
        "en": "Job state to show: open, closed or all.",
    },
    "opt.gpu_count": {
        "ko": "GPU 개수.",
        "en": "Number of GPUs.",
    },
    "opt.hours": {
        "ko": "작업 시간, 시간 단위 정수.",
        "en": "Job duration in hours, a whole number.",
    },
    "opt.price_per_gpu_hour": {
        "ko": "가격, GPU 1개·1시간당 원.",
        "en": "Price in KRW per GPU-hour.",
    },
    "opt.budget": {
        "ko": "에스크로에 예치할 예산(원). 기본값은 GPU 개수 × 시간 × 가격입니다.",
        "en": "Budget to escrow, in KRW. Defaults to GPU count × hours × price.",
    },
    "opt.node_keypair": {
        "ko": "공급자 노드 키페어 파일(Solana CLI 형식). 사용량 영수증에 서명합니다.",
        "en": "Provider node keypair file (Solana CLI format). It signs usage receipts.",
    },
    "opt.gpu_model": {
        "ko": "GPU 모델명, 예: \"NVIDIA H100 SXM\".",
        "en": "GPU model name, e.g. \"NVIDIA H100 SXM\".",
    },
    "opt.region": {
        "ko": "노드 위치: ISO 3166-1 alpha-2 국가 코드, 예: KR.",
        "en": "Node location as an ISO 3166-1 alpha-2 country code, e.g. KR.",
    },
    "opt.energy_source": {
        "ko": "노드 전력원: grid, solar, wind, hydro, geothermal 또는 mixed. 재생에너지 kWh에는 탄소 크레딧이 발행됩니다.",
        "en": "Node power source: grid, solar, wind, hydro, geothermal or mixed. Renewable kWh earn carbon credits.",
    },
    "opt.oracle_url": {
        "ko": "kgpu-oracle HTTP 주소, 예: http://127.0.0.1:8700.",
        "en": "HTTP address of a kgpu-oracle, e.g. http://127.0.0.1:8700.",
    },
    "opt.poll_interval": {
        "ko": "새 작업을 확인하는 간격, 초 단위.",
        "en": "Interval between checks for new jobs, in seconds.",
    },
    "opt.registry_authority": {
        "ko": "공급자 노드를 승인하고 KYC 기록을 쓰는 등록 관리자 공개키. 기본값은 --keypair 지갑입니다.",
        "en": "Public key of the registry authority, which approves provider nodes and writes KYC records. Defaults to the --keypair wallet.",
    },
    "opt.threshold": {
        "ko": "정족수: 증명에 필요한 오라클 서명 수.",
        "en": "Quorum threshold: oracle signatures an attestation needs.",
    },
    "opt.oracle": {
        "ko": "오라클 운영자 공개키. 여러 번 지정할 수 있습니다.",
        "en": "Oracle operator public key. Repeat the option for each operator.",
    },
    "opt.haircut_bps": {
        "ko": "담보 평가액에 적용할 헤어컷, 베이시스 포인트(100 = 1%).",
        "en": "Haircut applied to the collateral value, in basis points (100 = 1%).",
    },
    "opt.max_attestation_age": {
        "ko": "발행 시 허용하는 담보 증명의 최대 경과 시간, 초 단위.",
        "en": "Maximum age of the collateral attestation at mint time, in seconds.",
    },
    "opt.protocol_fee_bps": {
        "ko": "정산 금액에서 떼는 프로토콜 수수료, 베이시스 포인트(100 = 1%).",
        "en": "Protocol fee taken from each settlement, in basis points (100 = 1%).",
    },
    "opt.min_stake_per_gpu": {
        "ko": "GPU 1개당 최소 스테이킹 금액, 원.",
        "en": "Minimum stake per GPU, in KRW.",
    },
    "opt.unbonding_period": {
        "ko": "스테이킹 해제 후 인출까지 기다리는 언본딩 기간, 초 단위.",
        "en": "Unbonding period between unstaking and withdrawal, in seconds.",
    },
    "opt.blocked_jurisdiction": {
        "ko": "작업 요청을 거부할 관할 지역(ISO 3166-1 alpha-2, 예: CN). 여러 번 지정하며, 지정하면 목록 전체를 교체합니다.",
        "en": "Jurisdiction whose compute requests are rejected (ISO 3166-1 alpha-2, e.g. CN). Repeat it, and the list given replaces the old one.",
    },
    "opt.pause_program": {
        "ko": "대상 프로그램: token(kgpu_token) 또는 market(kgpu_market).",
        "en": "Program to act on: token (kgpu_token) or market (kgpu_market).",
    },
    "opt.unpause": {
        "ko": "일시 중지 대신 다시 시작합니다.",
        "en": "Resume the program instead of pausing it.",
    },
    "opt.jurisdiction": {
        "ko": "KYC 관할 지역, ISO 3166-1 alpha-2 코드.",
        "en": "KYC jurisdiction as an ISO 3166-1 alpha-2 code.",
    },
    "opt.kyc_expires": {
        "ko": "KYC 만료일(YYYY-MM-DD, UTC 자정). 생략하면 만료되지 않습니다.",
        "en": "KYC expiry date (YYYY-MM-DD, midnight UTC). No expiry when omitted.",
    },
    "opt.kyc_revoke": {
        "ko": "KYC 기록을 취소하고 토큰 계정을 다시 동결합니다.",
        "en": "Revoke the KYC record and freeze the token account again.",
    },
    "opt.approve_revoke": {
        "ko": "노드 승인을 취소합니다. 진행 중인 작업은 영향을 받지 않습니다.",
        "en": "Withdraw the node's approval. Running jobs are not affected.",
    },
    "opt.isin": {
        "ko": "채권 ISIN(12자리), 예: KR103501GF30.",
        "en": "ISIN of the bond (12 characters), e.g. KR103501GF30.",
    },
    "opt.face_value": {
        "ko": "보유 액면 금액, 원.",
        "en": "Face value held, in KRW.",
    },
    "opt.clean_price": {
        "ko": "경과이자를 뺀 가격, 액면 10,000원당 원(소수 허용), 예: 10128.5.",
        "en": "Clean price in KRW per 10,000 KRW of face value (decimals allowed), e.g. 10128.5.",
    },
    "opt.maturity": {
        "ko": "채권 만기일, YYYY-MM-DD.",
        "en": "Maturity date of the bond, YYYY-MM-DD.",
    },
    "opt.valuation_date": {
        "ko": "평가 기준일, YYYY-MM-DD. 기본값은 오늘(UTC)입니다.",
        "en": "Valuation date, YYYY-MM-DD. Defaults to today (UTC).",
    },
    "opt.custodian_key": {
        "ko": "수탁기관 secp256k1 개인키 파일(16진수). EIP-712 보고서에 서명합니다.",
        "en": "File with the custodian's secp256k1 private key in hex. It signs the EIP-712 report.",
    },
    "opt.sequence": {
        "ko": "보고서 일련번호. 이전 보고서보다 커야 하며, 같거나 작은 번호는 거부됩니다. 기본값은 체인에 기록된 마지막 담보 증명 번호 + 1입니다.",
        "en": "Report sequence number. It must be higher than the previous report's, or the report is rejected. Defaults to the last collateral attestation on chain + 1.",
    },
    "opt.deposit_id": {
        "ko": "은행 입금 참조값(UTF-8 최대 128바이트). 체인에는 참조값과 카운터의 SHA-256 해시(kgpu.token.canonical_deposit_id)가 입금 ID로 기록되며, 같은 참조값으로는 한 번만 발행됩니다.",
        "en": "Bank deposit reference (at most 128 bytes of UTF-8). The SHA-256 hash of it and a counter (kgpu.token.canonical_deposit_id) is the deposit id on chain, and each reference mints only once.",
    },
    "opt.beneficiary": {
        "ko": "K-GPU를 받을 지갑 공개키. KYC가 유효해야 합니다.",
        "en": "Wallet public key to receive the K-GPU. It needs a valid KYC record.",
    },
    "opt.grid_gco2_per_kwh": {
        "ko": "재생에너지가 아닌 전력 1kWh당 CO2 배출량, 그램 단위 정수. 배포마다 정하는 값입니다.",
        "en": "CO2 emitted per kWh of non-renewable power, in whole grams. A deployment choice.",
    },
    "opt.deployment_id": {
        "ko": "배포 ID, 32바이트 16진수(64자). 오라클 서명이 이 클러스터에만 유효하게 합니다. 기본값은 SHA-256(제네시스 해시 ‖ kgpu_token 프로그램 ID)입니다.",
        "en": "Deployment id, 32 bytes as 64 hex digits. It binds oracle signatures to this cluster. Defaults to SHA-256(genesis hash ‖ kgpu_token program id).",
    },
    "opt.evidence_deployment_id": {
        "ko": "서명에 넣을 배포 ID, 32바이트 16진수(64자). 생략하면 --url 클러스터의 kgpu_token 설정에서 읽습니다.",
        "en": "Deployment id to sign over, 32 bytes as 64 hex digits. When omitted it is read from the kgpu_token config on the --url cluster.",
    },
    "opt.kyc_level": {
        "ko": "KYC 등급, 0~255 정수.",
        "en": "KYC level, a whole number from 0 to 255.",
    },
    "opt.job_gpu_count": {
        "ko": "GPU 개수. 작업은 공급자의 GPU 전체를 빌리므로 공급자의 GPU 개수와 같아야 합니다. 기본값은 공급자의 GPU 개수입니다.",
        "en": "Number of GPUs. A job rents all of the provider's GPUs, so it must equal the provider's GPU count, which is the default.",
    },
    "opt.job_nonce": {
        "ko": "작업 주소를 정하는 nonce(u64). 작업 PDA의 bump가 255인 nonce만 받습니다. 기본값은 이 지갑 작업들의 가장 큰 nonce보다 큰 첫 번째 그런 nonce입니다.",
        "en": "Nonce (u64) that sets the job address; only nonces whose job PDA has bump 255 are accepted. Defaults to the first such nonce above the highest among this wallet's jobs.",
    },
    "opt.redemption_nonce": {
        "ko": "상환 요청 주소를 정하는 nonce(u64). 기본값은 1부터 찾은 첫 번째 사용하지 않은 nonce입니다.",
        "en": "Nonce (u64) that sets the redemption request address. Defaults to the first unused nonce from 1 up.",
    },
    "opt.reserve_oracle": {
        "ko": "체인 대신 이 kgpu-oracle의 GET /v1/reserve에서 읽습니다, 예: http://127.0.0.1:8700.",
        "en": "Read from this kgpu-oracle's GET /v1/reserve instead of the chain, e.g. http://127.0.0.1:8700.",
    },
    "opt.bank_keypair": {
        "ko": "은행 Ed25519 키페어 파일(Solana CLI 형식). 오라클 설정의 은행 공개키와 맞아야 합니다.",
        "en": "Bank Ed25519 keypair file (Solana CLI format). It must match the bank public key in the oracle configuration.",
    },
    "opt.credited_at": {
        "ko": "은행이 입금을 기록한 시각, 유닉스 초. 기본값은 지금입니다. 오라클은 300초보다 미래인 시각을 거부합니다.",
        "en": "Time the bank credited the deposit, in unix seconds. Defaults to now. The oracle rejects times more than 300 s ahead.",
    },
    "arg.redeem_amount": {
        "ko": "상환할 금액, 원(K-GPU 1개 = 1원) 단위 정수.",
        "en": "Amount to redeem in KRW (1 K-GPU = 1 KRW), a whole number.",
    },
    "arg.positions_file": {
        "ko": "보유 채권 목록: 머리글 행이 있는 CSV 또는 JSON. 열은 isin, faceValue(원), cleanPrice(액면 10,000원당 원), maturityDate(YYYY-MM-DD).",
        "en": "Bond positions: a CSV with a header row, or JSON. Columns are isin, faceValue (KRW), cleanPrice (KRW per 10,000 KRW of face value) and maturityDate (YYYY-MM-DD).",
    },
    "arg.balance_address": {
        "ko": "잔액을 조회할 지갑 공개키. 기본값은 --keypair의 지갑입니다.",
        "en": "Wallet public key to query. Defaults to the --keypair wallet.",
    },
    "arg.recipient": {
        "ko": "받는 지갑 공개키. K-GPU는 이 지갑의 연관 토큰 계정으로 갑니다.",
        "en": "Recipient wallet public key. K-GPU goes to its associated token account.",
    },
    "arg.amount": {
        "ko": "보낼 금액: SOL은 소수 9자리까지, K-GPU는 원 단위 정수.",
        "en": "Amount to send: SOL with up to 9 decimals, or K-GPU in whole KRW.",
    },
    "arg.job": {
        "ko": "작업 계정 주소.",
        "en": "Job account address.",
    },
    "arg.kyc_wallet": {
        "ko": "KYC 기록을 쓸 지갑 공개키.",
        "en": "Wallet public key the KYC record is for.",
    },
    "arg.node": {
        "ko": "승인할 공급자: 공급자 지갑 또는 Provider 계정 주소.",
        "en": "Provider to approve: the provider wallet or its Provider account address.",
    },
    # -- command output ----------------------------------------------------------------------
    "cli.error_label": {"ko": "오류", "en": "Error"},
    "field.pubkey": {"ko": "공개키", "en": "Public key"},
    "field.keypair_path": {"ko": "키페어 파일", "en": "Keypair file"},
    "field.rpc_url": {"ko": "RPC URL", "en": "RPC URL"},
    "field.ws_url": {"ko": "웹소켓 URL", "en": "WebSocket URL"},
    "field.kgpu_mint": {"ko": "K-GPU 민트", "en": "K-GPU mint"},
    "field.kgpu_token_account": {"ko": "K-GPU 토큰 계정", "en": "K-GPU token account"},
    "wallet.created": {
        "ko": "새 키페어를 {path}에 저장했습니다.",
        "en": "Saved the new keypair to {path}.",
    },
    "wallet.pubkey_line": {"ko": "공개키: {pubkey}", "en": "Public key: {pubkey}"},
    "wallet.backup_warning": {
        "ko": "이 파일을 잃어버리면 지갑을 복구할 수 없습니다. 안전한 곳에 백업하고 누구와도 공유하지 마세요.",
        "en": "If this file is lost the wallet cannot be recovered: back it up somewhere safe and share it with no one.",
    },
    "wallet.address_line": {"ko": "지갑: {address}", "en": "Wallet: {address}"},
    "wallet.sol_balance": {
        "ko": "SOL 잔액: {sol} SOL ({lamports} 램포트)",
        "en": "SOL balance: {sol} SOL ({lamports} lamports)",
    },
    "wallet.kgpu_balance": {"ko": "K-GPU 잔액: {amount}원", "en": "K-GPU balance: {amount} KRW"},
    "wallet.kgpu_no_account": {
        "ko": "K-GPU 잔액: 0원 (토큰 계정 {account}이 아직 없습니다)",
        "en": "K-GPU balance: 0 KRW (token account {account} does not exist yet)",
    },
    "wallet.mint_missing": {
        "ko": "K-GPU: 이 클러스터({url})에는 K-GPU 민트 {mint}가 없습니다. 관리자가 `kgpu admin init`을 실행해야 생깁니다.",
        "en": "K-GPU: the K-GPU mint {mint} does not exist on this cluster ({url}). It is created by `kgpu admin init`.",
    },
    "wallet.transfer_done": {
        "ko": "{amount} {unit}을(를) {to}에게 보냈습니다.",
        "en": "Sent {amount} {unit} to {to}.",
    },
    "wallet.signature_line": {
        "ko": "서명: {signature} (슬롯 {slot})",
        "en": "Signature: {signature} (slot {slot})",
    },
    "progress.send": {
        "ko": "{url}에 트랜잭션을 보내고 확정을 기다리는 중…",
        "en": "Sending transactions to {url} and waiting for confirmation…",
    },
    "progress.read": {"ko": "{url}에서 계정을 읽는 중…", "en": "Reading accounts from {url}…"},
    "progress.oracle": {"ko": "{url}에 요청하는 중…", "en": "Requesting {url}…"},
    "admin.init_done": {
        "ko": "초기화 완료: kgpu_token 새로 초기화 {token}, kgpu_market 새로 초기화 {market}, 동결 해제한 금고 {vaults}개.",
        "en": "Initialisation done: kgpu_token newly initialised {token}, kgpu_market newly initialised {market}, vaults thawed {vaults}.",
    },
    "admin.oracle_set_done": {
        "ko": "오라클 {count}명, 정족수 {threshold}로 교체했습니다.",
        "en": "Replaced the oracle set with {count} operators and threshold {threshold}.",
    },
    "admin.params_done": {"ko": "매개변수 트랜잭션 {count}건을 보냈습니다.", "en": "Sent {count} parameter transactions."},
    "admin.paused": {"ko": "{program}의 발행을 일시 중지했습니다.", "en": "Paused minting in {program}."},
    "admin.unpaused": {"ko": "{program}의 발행을 다시 시작했습니다.", "en": "Resumed minting in {program}."},
    "admin.kyc_done": {
        "ko": "{wallet}의 KYC 기록을 썼습니다: 관할 지역 {jurisdiction}, 만료 {expires}.",
        "en": "Wrote the KYC record of {wallet}: jurisdiction {jurisdiction}, expiry {expires}.",
    },
    "admin.kyc_revoked": {
        "ko": "{wallet}의 KYC를 취소했습니다.",
        "en": "Revoked the KYC of {wallet}.",
    },
    "admin.approved": {"ko": "공급자 {provider}를 승인했습니다.", "en": "Approved provider {provider}."},
    "admin.approval_revoked": {"ko": "공급자 {provider}의 승인을 취소했습니다.", "en": "Withdrew the approval of provider {provider}."},
    "redeem.done": {
        "ko": "{amount}원 상환을 요청했습니다: 요청 {redemption}(nonce {nonce}). 남은 K-GPU 잔액은 {balance}원입니다.",
        "en": "Requested redemption of {amount} KRW: request {redemption} (nonce {nonce}). The K-GPU balance left is {balance} KRW.",
    },
    "job.title": {"ko": "작업", "en": "Job"},
    "job.none": {"ko": "조건에 맞는 작업이 없습니다.", "en": "No job matches."},
    "job.list_title": {"ko": "작업 {count}개", "en": "{count} jobs"},
    "job.opened": {
        "ko": "작업 {job}을 열고 {budget}원을 에스크로에 예치했습니다.",
        "en": "Opened job {job} and escrowed {budget} KRW.",
    },
    "job.closed": {
        "ko": "작업 {job}을 닫았습니다. 환불액: {refund}원.",
        "en": "Closed job {job}. Refund: {refund} KRW.",
    },
    "job.refund_booked": {
        "ko": "임차인의 K-GPU 계정이 환불을 받을 수 없어 {refund}원을 작업 {job}에 보류했습니다. 계정이 동결 해제되면 `kgpu job claim-refund {job}`으로 지급하세요.",
        "en": "The renter's K-GPU account cannot receive the refund, so {refund} KRW is held on job {job}. Once the account is thawed, pay it with `kgpu job claim-refund {job}`.",
    },
    "job.refund_claimed": {
        "ko": "작업 {job}의 보류된 환불 {refund}원을 임차인에게 지급했습니다.",
        "en": "Paid job {job}'s held refund of {refund} KRW to the renter.",
    },
    "provider.title": {"ko": "공급자", "en": "Provider"},
    "provider.registered": {"ko": "공급자 {address}를 등록했습니다.", "en": "Registered provider {address}."},
    "provider.staked": {"ko": "{amount}원을 스테이킹했습니다.", "en": "Staked {amount} KRW."},
    "provider.unstaked": {
        "ko": "{amount}원의 스테이킹 해제를 시작했습니다.",
        "en": "Started unstaking {amount} KRW.",
    },
    "provider.withdrawn": {"ko": "{amount}원을 인출했습니다.", "en": "Withdrew {amount} KRW."},
    "provider.claimed": {"ko": "보상 {amount}원을 받았습니다.", "en": "Claimed {amount} KRW of rewards."},
    "reserve.title": {"ko": "준비금 증명 (출처: {source})", "en": "Proof of reserve (source: {source})"},
    "reserve.supply": {"ko": "유통량(원)", "en": "Supply (KRW)"},
    "reserve.collateral_value": {"ko": "담보 평가액(원)", "en": "Collateral value (KRW)"},
    "reserve.capacity": {"ko": "발행 한도(원)", "en": "Capacity (KRW)"},
    "reserve.ratio": {"ko": "한도 ÷ 유통량", "en": "Capacity ÷ supply"},
    "reserve.valuation_date": {"ko": "평가일", "en": "Valuation date"},
    "reserve.age": {"ko": "증명 경과 시간(초)", "en": "Attestation age (s)"},
    "custodian.reported": {
        "ko": "보고서 {sequence}번을 보냈습니다. 증명 {id}, 상태 {state}.",
        "en": "Sent report {sequence}. Attestation {id}, state {state}.",
    },
    "bank.deposited": {
        "ko": "{beneficiary}에게 {amount}원 입금 통지를 보냈습니다. 증명 {id}.",
        "en": "Sent a deposit notice of {amount} KRW for {beneficiary}. Attestation {id}.",
    },
    "progress.balance": {"ko": "{url}에서 잔액을 조회하는 중…", "en": "Reading balances from {url}…"},
    "progress.transfer": {
        "ko": "{url}에 트랜잭션을 보내고 확정을 기다리는 중…",
        "en": "Sending the transaction to {url} and waiting for confirmation…",
    },
    "progress.program_check": {
        "ko": "{url}에서 프로그램 배포 여부를 확인하는 중…",
        "en": "Checking program deployment on {url}…",
    },
    # -- errors --------------------------------------------------------------------------------
    "error.unexpected": {
        "ko": "예상하지 못한 오류가 발생했습니다. 다시 시도하고, 계속되면 --json 출력과 함께 보고해 주세요.",
        "en": "An unexpected error occurred. Retry, and report it with the --json output if it persists.",
    },
    "error.user": {
        "ko": "요청을 처리할 수 없습니다. 입력값을 확인해 주세요.",
        "en": "The request cannot be processed. Check the input values.",
    },
    "error.option_invalid": {
        "ko": "{option} 값 {value!r}이(가) 잘못되었습니다: {reason}",
        "en": "Invalid {option} value {value!r}: {reason}",
    },
    "error.provider_not_found": {
        "ko": "{address}은(는) Provider 계정도 아니고 등록된 공급자 지갑도 아닙니다. 주소와 --url 클러스터를 확인하거나 `kgpu provider register`로 먼저 등록하세요.",
        "en": "{address} is neither a Provider account nor a registered provider wallet: check the address and the --url cluster, or register first with `kgpu provider register`.",
    },
    "error.gpu_count_mismatch": {
        "ko": "--gpu-count {requested}이(가) 공급자의 GPU 개수 {provider_count}와 다릅니다. 작업은 공급자의 GPU 전체를 빌리므로 옵션을 빼거나 {provider_count}로 지정하세요.",
        "en": "--gpu-count {requested} differs from the provider's {provider_count} GPUs. A job rents all of them, so omit the option or pass {provider_count}.",
    },
    "error.input_file": {
        "ko": "파일 {path}을(를) 읽지 못했습니다: {reason}",
        "en": "Could not read file {path}: {reason}",
    },
    "error.oracle_unreachable": {
        "ko": "오라클 {url}에 연결하지 못했습니다({reason}). 오라클이 실행 중인지와 --oracle 주소를 확인하세요.",
        "en": "Could not reach the oracle at {url} ({reason}). Check that it is running and the --oracle address.",
    },
    "error.oracle_rejected": {
        "ko": "오라클 {url}이(가) HTTP {status}로 거부했습니다: {detail}",
        "en": "The oracle at {url} rejected the request with HTTP {status}: {detail}",
    },
    "error.oracle_module_missing": {
        "ko": "이 명령은 kgpu_oracle 패키지의 서명 형식을 씁니다. 같은 환경에 kgpu-oracle을 설치하세요({reason}).",
        "en": "This command uses the signing formats of the kgpu_oracle package: install kgpu-oracle in the same environment ({reason}).",
    },
    "error.keypair_not_found": {
        "ko": "키페어 파일 {path}이 없습니다. `kgpu wallet new`로 만들거나 --keypair로 다른 파일을 지정하세요.",
        "en": "Keypair file {path} not found: create one with `kgpu wallet new` or pass another file with --keypair.",
    },
    "error.keypair_exists": {
        "ko": "키페어 파일 {path}이 이미 있어 덮어쓰지 않았습니다. 다른 경로를 지정하거나, 기존 키를 버리려면 --force를 붙이세요.",
        "en": "Keypair file {path} already exists and was not overwritten: choose another path, or add --force to discard the old key.",
    },
    "error.keypair_invalid": {
        "ko": "키페어 파일 {path}을 읽을 수 없습니다({reason}). Solana CLI 형식(64바이트 JSON 배열)인지 확인하세요.",
        "en": "Keypair file {path} is invalid ({reason}). It must be in Solana CLI format (a JSON array of 64 bytes).",
    },
    "error.url_invalid": {
        "ko": "--url 값 {url}이 올바르지 않습니다. localnet, devnet, testnet, mainnet-beta 또는 http(s):// URL을 쓰세요.",
        "en": "Invalid --url {url}: use localnet, devnet, testnet, mainnet-beta or an http(s):// URL.",
    },
    "error.address_invalid": {
        "ko": "{value}은(는) 올바른 공개키가 아닙니다. base58 주소(32~44자)를 입력하세요.",
        "en": "{value} is not a valid public key: enter a base58 address (32 to 44 characters).",
    },
    "error.amount_invalid": {
        "ko": "금액 {value}이(가) 올바르지 않습니다. 0보다 큰 {unit} 금액을 입력하세요(SOL은 소수 9자리까지, K-GPU는 정수).",
        "en": "Invalid amount {value}: enter a positive amount in {unit} (SOL with up to 9 decimals, K-GPU in whole KRW).",
    },
    "error.program_not_deployed": {
        "ko": "{program} 프로그램({program_id})이 이 클러스터({url})에 배포되어 있지 않습니다. 프로그램이 배포된 클러스터를 --url로 지정하세요.",
        "en": "The {program} program ({program_id}) is not deployed on this cluster ({url}): pass a cluster where it is deployed with --url.",
    },
    "error.mint_not_found": {
        "ko": "K-GPU 민트 {mint}가 이 클러스터({url})에 없습니다. 관리자가 `kgpu admin init`을 실행했는지, --url이 맞는지 확인하세요.",
        "en": "The K-GPU mint {mint} does not exist on this cluster ({url}): check --url, or ask the admin to run `kgpu admin init`.",
    },
    "error.command_not_implemented": {
        "ko": "`kgpu {command}`은(는) 이 버전의 kgpu에서 아직 지원하지 않습니다. 프로그램은 배포되어 있으니 kgpu를 업데이트하세요.",
        "en": "`kgpu {command}` is not supported by this kgpu version yet. The program is deployed, so update kgpu.",
    },
    "error.rpc": {
        "ko": "RPC 요청이 실패했습니다. 네트워크와 --url을 확인하고 다시 시도하세요.",
        "en": "The RPC request failed. Check the network and --url, then retry.",
    },
    "error.rpc_connection": {
        "ko": "RPC 노드 {url}에 연결하지 못했습니다({reason}). 노드가 실행 중인지, --url이 맞는지 확인하세요.",
        "en": "Could not connect to the RPC node {url} ({reason}): check that it is running and that --url is right.",
    },
    "error.rpc_response": {
        "ko": "RPC 메서드 {method}가 오류를 반환했습니다: {reason}. 잠시 후 다시 시도하세요.",
        "en": "RPC method {method} returned an error: {reason}. Retry in a moment.",
    },
    "error.confirmation_timeout": {
        "ko": "트랜잭션 {signature}이(가) {seconds}초 안에 {commitment} 상태가 되지 않았습니다. 다시 보내기 전에 이 서명을 탐색기에서 확인하세요.",
        "en": "Transaction {signature} did not reach {commitment} within {seconds} s: look the signature up before sending again.",
    },
    "error.transaction_expired": {
        "ko": "트랜잭션 사본 {attempts}개가 모두 블록해시 만료로 처리되지 않았습니다({signatures}). 네트워크가 혼잡하면 --priority-fee를 높여 다시 보내세요.",
        "en": "All {attempts} copies of the transaction expired without landing ({signatures}). If the network is congested, raise --priority-fee and send again.",
    },
    "error.transaction_failed": {
        "ko": "트랜잭션이 거부되었습니다: {detail}. 로그를 확인하세요.",
        "en": "The transaction was rejected: {detail}. Check the program logs.",
    },
    "error.insufficient_funds_for_fee": {
        "ko": "수수료를 낼 SOL이 부족합니다(수수료 지불자 {payer}). 지갑에 SOL을 충전하세요.",
        "en": "Insufficient SOL to pay the fee (fee payer {payer}): add SOL to the wallet.",
    },
    "error.blockhash_not_found": {
        "ko": "클러스터가 트랜잭션의 블록해시를 찾지 못했습니다(만료되었거나 다른 클러스터의 것). 다시 보내세요.",
        "en": "The cluster does not know the transaction's blockhash (expired, or from another cluster): send it again.",
    },
    "error.account_not_found": {
        "ko": "트랜잭션이 쓰는 계정이 없습니다. 보통 수수료 지불자 {payer}에 SOL이 한 번도 입금되지 않은 경우입니다. SOL을 충전하세요.",
        "en": "An account the transaction uses does not exist, usually because fee payer {payer} has never received SOL: fund it with SOL.",
    },
    "error.instruction_failed": {
        "ko": "명령어 {index}번이 실패했습니다: {name}. 서명자와 계정을 확인하세요.",
        "en": "Instruction {index} failed: {name}. Check its signers and accounts.",
    },
    "error.program_custom": {
        "ko": "프로그램 {program_id}이(가) 명령어 {index}번에서 사용자 정의 오류 {code}({code_hex})를 반환했습니다. 프로그램 로그를 확인하세요.",
        "en": "Program {program_id} returned custom error {code} ({code_hex}) in instruction {index}. Check the program logs.",
    },
    "error.system.account_already_in_use": {
        "ko": "만들려는 계정이 이미 있습니다(명령어 {index}번). 다른 주소를 쓰거나 기존 계정을 사용하세요.",
        "en": "The account to create already exists (instruction {index}): use another address or the existing account.",
    },
    "error.system.insufficient_lamports": {
        "ko": "SOL 잔액이 보내려는 금액보다 적습니다(명령어 {index}번). `kgpu wallet balance`로 잔액을 확인하세요.",
        "en": "The SOL balance is lower than the amount sent (instruction {index}): check it with `kgpu wallet balance`.",
    },
    "error.token.insufficient_funds": {
        "ko": "토큰 잔액이 보내려는 금액보다 적습니다(명령어 {index}번). `kgpu wallet balance`로 K-GPU 잔액을 확인하세요.",
        "en": "The token balance is lower than the amount (instruction {index}): check the K-GPU balance with `kgpu wallet balance`.",
    },
    "error.token.invalid_mint": {
        "ko": "민트 계정이 올바르지 않습니다(명령어 {index}번). --url이 K-GPU가 배포된 클러스터인지 확인하세요.",
        "en": "The mint account is invalid (instruction {index}): check that --url is a cluster where K-GPU is deployed.",
    },
    "error.token.mint_mismatch": {
        "ko": "토큰 계정의 민트가 다릅니다(명령어 {index}번). K-GPU 토큰 계정인지 확인하세요.",
        "en": "A token account belongs to a different mint (instruction {index}): use K-GPU token accounts.",
    },
    "error.token.owner_mismatch": {
        "ko": "서명한 지갑이 토큰 계정의 소유자가 아닙니다(명령어 {index}번). --keypair가 맞는지 확인하세요.",
        "en": "The signing wallet does not own the token account (instruction {index}): check --keypair.",
    },
    "error.token.uninitialized": {
        "ko": "토큰 계정이나 민트가 초기화되지 않았습니다(명령어 {index}번). 받는 사람이 K-GPU 토큰 계정을 만들었는지 확인하세요.",
        "en": "A token account or mint is not initialised (instruction {index}): check that the K-GPU token account was created.",
    },
    "error.token.account_frozen": {
        "ko": "토큰 계정이 동결되어 있습니다(명령어 {index}번). K-GPU 토큰 계정은 KYC 기록이 동결을 해제하기 전까지 동결 상태입니다. 보내는 사람과 받는 사람 모두 KYC를 마쳤는지 확인하세요.",
        "en": "A token account is frozen (instruction {index}). K-GPU token accounts stay frozen until a KYC record thaws them: check that sender and recipient have both completed KYC.",
    },
    "error.token.decimals_mismatch": {
        "ko": "명령어 {index}번의 소수 자릿수가 민트와 다릅니다. K-GPU의 소수 자릿수는 0입니다.",
        "en": "The decimals in instruction {index} differ from the mint's. K-GPU has 0 decimals.",
    },
    # -- kgpu_token program errors --------------------------------------------------------------
    **TOKEN_PROGRAM_MESSAGES,
}
