"""Korean and English messages of the provider agent, merged into :data:`kgpu.i18n.CATALOGUE` on import.

The keys live here, not in ``kgpu/_catalogue.py``, so the agent's texts stay next to its code.
"""

from __future__ import annotations

from collections.abc import Mapping

from kgpu._catalogue import CATALOGUE

__all__ = ["PROVIDER_CATALOGUE"]

PROVIDER_CATALOGUE: Mapping[str, Mapping[str, str]] = {
    "error.provider_config": {
        "ko": "노드 설정 {path}의 {key} 값이 잘못되었습니다: {reason}",
        "en": "Invalid {key} in node configuration {path}: {reason}",
    },
    "error.provider_config_unreadable": {
        "ko": "노드 설정 {path}을(를) 읽지 못했습니다({reason}). 파일 경로와 TOML 문법을 확인하세요.",
        "en": "Could not read node configuration {path} ({reason}). Check the path and the TOML syntax.",
    },
    "error.provider_gpu_model_unknown": {
        "ko": "GPU 모델 {model!r}이(가) 참조 GPU 표에 없습니다. 다음 중 하나를 쓰세요: {known}",
        "en": "GPU model {model!r} is not in the reference GPU table. Use one of: {known}",
    },
    "error.provider_gpu_model_ambiguous": {
        "ko": "GPU 모델 {model!r}은(는) 폼 팩터가 여러 개입니다. gpu_form_factor를 다음 중 하나로 정하세요: {form_factors}",
        "en": "GPU model {model!r} has several form factors. Set gpu_form_factor to one of: {form_factors}",
    },
    "error.provider_gpu_table_unreadable": {
        "ko": "참조 GPU 표 gpu_specs.csv를 {path}에서 읽지 못했습니다({reason}). KGPU_REFERENCE_DATA를 examples/data 경로로 정하세요.",
        "en": "Could not read the reference GPU table gpu_specs.csv in {path} ({reason}). Set KGPU_REFERENCE_DATA to the examples/data directory.",
    },
    "error.provider_state_locked": {
        "ko": "상태 파일 {path}을(를) 다른 에이전트가 쓰고 있습니다. 그 에이전트를 멈추거나 다른 state_file을 쓰세요.",
        "en": "State file {path} is in use by another agent. Stop that agent or set another state_file.",
    },
    "error.provider_state_invalid": {
        "ko": "상태 파일 {path}이(가) 잘못되었습니다({reason}). 파일을 고치거나 백업에서 복원하세요. 지우면 시퀀스 번호를 잃습니다.",
        "en": "State file {path} is invalid ({reason}). Repair it or restore it from a backup; deleting it loses the sequence numbers.",
    },
    "error.provider_chain_read": {
        "ko": "{url}에서 마켓 프로그램의 작업 계정을 읽지 못했습니다({reason}). RPC 노드와 rpc_url을 확인하세요.",
        "en": "Could not read the market program's job accounts from {url} ({reason}). Check the RPC node and rpc_url.",
    },
    "error.provider_prover_unavailable": {
        "ko": "torch 계산기는 PyTorch와 CUDA 장치가 필요합니다. PyTorch를 설치하거나 --prover python을 쓰세요.",
        "en": "The torch prover needs PyTorch and a CUDA device. Install PyTorch or use --prover python.",
    },
    "opt.node_config": {
        "ko": "노드 설정 파일(TOML): 노드 키, GPU 모델과 개수, 에너지원, 오라클 URL, 상태 파일.",
        "en": "Node configuration file (TOML): node key, GPU model and count, energy source, oracle URLs, state file.",
    },
    "opt.once": {
        "ko": "진행 중인 작업마다 영수증 하나를 보낸 뒤 끝냅니다.",
        "en": "Send one receipt per open job, then exit.",
    },
    "opt.prover": {
        "ko": "행렬 곱 계산기: auto(CUDA가 있으면 torch), python, torch.",
        "en": "Matrix product backend: auto (torch when CUDA is present), python or torch.",
    },
    "provider.summary": {
        "ko": "작업 {jobs}개를 처리했습니다: 영수증 {accepted}건 접수, {failed}건 실패.",
        "en": "Served {jobs} jobs: {accepted} receipts accepted, {failed} failed.",
    },
    "provider.progress_waiting": {
        "ko": "대기 중",
        "en": "waiting",
    },
    "provider.progress_computing": {
        "ko": "챌린지 계산 중",
        "en": "computing challenge",
    },
    "provider.progress_submitting": {
        "ko": "영수증 제출 중",
        "en": "submitting receipt",
    },
}

# NOTE: the merge happens when kgpu.provider is imported, so these keys are missing from
# CATALOGUE in a process that never imports the provider package.
CATALOGUE.update(PROVIDER_CATALOGUE)  # type: ignore[attr-defined]
