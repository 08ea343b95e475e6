"""K-GPU Python SDK and the kgpu command."""
