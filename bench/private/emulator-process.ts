/**
 * The emulator in a child process, so its CPU (HTTP parsing, SQLite, token checks) does not share the
 * benchmark's event loop. Prints one JSON line `{ url, tokenUrl, customerId }` when listening; stops on SIGTERM,
 * SIGINT or when its stdin closes (the parent died).
 */
import { startEmulator } from '../../lib/emulator';

async function main(): Promise<void> {
  const emulator = await startEmulator({ port: 0, seed: 'empty', randomSeed: 1 });
  process.stdout.write(
    `${JSON.stringify({ url: emulator.url, tokenUrl: emulator.tokenUrl, customerId: emulator.customerId })}\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
