"""kgpu-oracle: the attestation service that K-GPU oracle operators run."""
