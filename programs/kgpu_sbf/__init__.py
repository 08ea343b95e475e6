"""Build, relink and deploy K-GPU on-chain programs as SBPF v0 shared objects."""
