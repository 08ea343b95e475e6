// Airdrop, SOL transfer, confirmation and balances through @solana/web3.js.
// Usage: node flow.mjs RPC_URL WS_URL; prints one JSON line with the results.
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  SystemProgram,
  Transaction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";

const [rpcUrl, wsUrl] = process.argv.slice(2);
const connection = new Connection(rpcUrl, { commitment: "confirmed", wsEndpoint: wsUrl });

const payer = Keypair.generate();
const recipient = Keypair.generate();

const airdropSignature = await connection.requestAirdrop(payer.publicKey, 2 * LAMPORTS_PER_SOL);
const latest = await connection.getLatestBlockhash();
await connection.confirmTransaction({ signature: airdropSignature, ...latest }, "confirmed");

const transaction = new Transaction().add(
  SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: recipient.publicKey, lamports: 12_345 }),
);
const transferSignature = await sendAndConfirmTransaction(connection, transaction, [payer]);

const parsed = await connection.getParsedTransaction(transferSignature, {
  commitment: "confirmed",
  maxSupportedTransactionVersion: 0,
});

console.log(
  JSON.stringify({
    payerBalance: await connection.getBalance(payer.publicKey),
    recipientBalance: await connection.getBalance(recipient.publicKey),
    transferSignature,
    fee: parsed?.meta?.fee ?? null,
    version: (await connection.getVersion())["solana-core"],
    epoch: (await connection.getEpochInfo()).epoch,
  }),
);
process.exit(0);
