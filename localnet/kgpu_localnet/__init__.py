"""kgpu-localnet: a Solana JSON-RPC and PubSub server backed by LiteSVM."""
