import { randomBytes } from 'node:crypto';
import { promises as nodeFs } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The file-system calls the file backend makes, a subset of `node:fs/promises`. Tests pass a wrapper that fails
 * on purpose (a full disk) to show that a failed write leaves the previous state intact.
 */
export type StateFileSystem = Pick<
  typeof nodeFs,
  'mkdir' | 'readFile' | 'open' | 'rename' | 'rm' | 'readdir' | 'rmdir' | 'stat' | 'unlink'
>;

/** The real file system. */
export const NODE_FILE_SYSTEM: StateFileSystem = nodeFs;

/**
 * Replaces `path` with `text` atomically: a temporary file in the same folder, written and fsynced, renamed over
 * the target, then the folder fsynced. A process killed at any point, or a write that fails (ENOSPC, EIO), leaves
 * either the old file or the new one, never a torn one; the temporary file is removed on failure.
 */
export async function writeAtomically(fs: StateFileSystem, path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await fs.mkdir(dir, { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  try {
    const dirHandle = await fs.open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    // Some platforms cannot fsync a folder; the rename is still atomic.
  }
}
