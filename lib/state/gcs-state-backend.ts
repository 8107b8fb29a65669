import type { Bucket, File, Storage } from '@google-cloud/storage';

import { backendError, conflictError, forceUnlockRefused } from './private/state-errors';
import {
  assertStackName,
  isValidStackName,
  parseStackState,
  serialiseStackState,
  type StackState,
} from './stack-state';
import {
  parseLockInfo,
  type HeldLock,
  type LockAttempt,
  type LockInfo,
  type StateBackend,
  type StateReadResult,
  type StateVersion,
} from './state-backend';

/** Options of {@link GcsStateBackend}. */
export interface GcsStateBackendOptions {
  /** The bucket; it must exist (it is never created). */
  readonly bucket: string;
  /**
   * Folder-like prefix of the objects, without leading or trailing `/`.
   * @default '' (objects at the top of the bucket)
   */
  readonly prefix?: string;
  /**
   * Base URL of the Cloud Storage JSON API, for an emulator.
   * @default - `STORAGE_EMULATOR_HOST` when set (the client reads it), else Google with Application Default
   *   Credentials
   */
  readonly apiEndpoint?: string;
  /**
   * Project id passed to the client.
   * @default - from Application Default Credentials
   */
  readonly projectId?: string;
  /**
   * A ready client; when given, `apiEndpoint` and `projectId` are ignored.
   * @default - a client made from the options above
   */
  readonly storage?: Storage;
}

/** How many times a read starts again when the object is replaced between its metadata and its bytes. */
const READ_ATTEMPTS = 4;

/**
 * States in Google Cloud Storage (`gs://BUCKET/PREFIX`) through the official `@google-cloud/storage` client.
 * Per stack:
 * - `<prefix>/<stack>.json` — the state; every write carries `ifGenerationMatch` with the generation it was read
 *   at (0 for the first write), so of two writers from one generation exactly one succeeds and the other gets
 *   Google's 412, reported as MP3006;
 * - `<prefix>/<stack>.lock` — the lock, created with `ifGenerationMatch: 0` and holding the {@link LockInfo};
 *   released by deleting it with `ifGenerationMatch` of its own generation, so a release never removes someone
 *   else's lock. There is no lease: a killed holder leaves the lock until `force-unlock` (as Terraform's gcs
 *   backend).
 *
 * The version token is the object's generation (a decimal string).
 */
export class GcsStateBackend implements StateBackend {
  public readonly url: string;
  public readonly bucketName: string;
  /** The normalised prefix ('' or `a/b`). */
  public readonly prefix: string;
  private readonly options: GcsStateBackendOptions;
  private client: Storage | undefined;

  public constructor(options: GcsStateBackendOptions) {
    this.options = options;
    this.bucketName = options.bucket;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.url = `gs://${this.bucketName}${this.prefix ? `/${this.prefix}` : ''}`;
    this.client = options.storage;
  }

  public describe(stack: string): string {
    return `gs://${this.bucketName}/${this.objectName(stack, 'json')}`;
  }

  public async read(stack: string): Promise<StateReadResult> {
    assertStackName(stack);
    const where = this.describe(stack);
    const found = await this.readObject(this.objectName(stack, 'json'), where);
    if (!found) {
      await this.assertBucket(where);
      return { found: false };
    }
    return { found: true, state: parseStackState(found.text, where, stack), version: found.generation };
  }

  public async write(stack: string, state: StackState, expected: StateVersion | undefined): Promise<StateVersion> {
    assertStackName(stack);
    const where = this.describe(stack);
    const text = serialiseStackState(state, where);
    const name = this.objectName(stack, 'json');
    const file = this.bucket().file(name);
    try {
      await file.save(text, {
        resumable: false,
        contentType: 'application/json',
        preconditionOpts: { ifGenerationMatch: expected ?? 0 },
      });
      return String(file.metadata.generation);
    } catch (error) {
      if (statusOf(error) === 412) {
        const current = await this.readObject(name, where);
        // A write that landed but whose answer was lost is retried by the client and then fails its own precondition.
        if (current && current.text === text) return current.generation;
        throw conflictError(where, stack, current ? `it is now at generation ${current.generation}` : 'it was deleted');
      }
      if (statusOf(error) === 404) await this.assertBucket(where);
      throw this.failure(where, 'the state could not be written; the previous state is unchanged', error);
    }
  }

  public async tryLock(stack: string, info: LockInfo): Promise<LockAttempt> {
    assertStackName(stack);
    const name = this.objectName(stack, 'lock');
    const where = `gs://${this.bucketName}/${name}`;
    const file = this.bucket().file(name);
    let generation: string;
    try {
      await file.save(`${JSON.stringify(info, null, 2)}\n`, {
        resumable: false,
        contentType: 'application/json',
        preconditionOpts: { ifGenerationMatch: 0 },
      });
      generation = String(file.metadata.generation);
    } catch (error) {
      if (statusOf(error) === 404) await this.assertBucket(where);
      if (statusOf(error) !== 412) throw this.failure(where, 'the lock could not be taken', error);
      const holder = await this.readLockObject(stack);
      if (!holder || holder.lock.info?.id !== info.id) {
        return { acquired: false, holder: holder?.lock ?? { stack, info: undefined, where } };
      }
      generation = holder.generation; // our own create, retried after a lost answer
    }
    return {
      acquired: true,
      check: async () => {
        try {
          const [metadata] = await this.bucket().file(name).getMetadata();
          return String(metadata.generation) === generation ? undefined : new Error('the lock object was replaced');
        } catch (error) {
          if (statusOf(error) === 404) return new Error('the lock object was deleted');
          throw this.failure(where, 'the lock cannot be read', error);
        }
      },
      release: async () => {
        try {
          await this.bucket().file(name).delete({ ifGenerationMatch: generation });
        } catch (error) {
          // 404: force-unlocked meanwhile; 412: force-unlocked and taken by someone else. Either way not ours.
          if (statusOf(error) !== 404 && statusOf(error) !== 412)
            throw this.failure(where, 'the lock could not be released', error);
        }
      },
    };
  }

  public async readLock(stack: string): Promise<HeldLock | undefined> {
    assertStackName(stack);
    return (await this.readLockObject(stack))?.lock;
  }

  public async listLocks(): Promise<HeldLock[]> {
    const start = this.prefix ? `${this.prefix}/` : '';
    let files: File[];
    try {
      [files] = await this.bucket().getFiles({ prefix: start, autoPaginate: true });
    } catch (error) {
      throw this.failure(this.url, 'the locks cannot be listed', error);
    }
    const stacks = files
      .map((f) => f.name.slice(start.length))
      .filter((rest) => rest.endsWith('.lock'))
      .map((rest) => rest.slice(0, -'.lock'.length))
      .filter(isValidStackName)
      .sort();
    const held = await Promise.all(stacks.map((s) => this.readLock(s)));
    return held.filter((h): h is HeldLock => h !== undefined);
  }

  public async forceUnlock(stack: string, id: string): Promise<void> {
    assertStackName(stack);
    const held = await this.readLockObject(stack);
    if (!held || held.lock.info?.id !== id) throw forceUnlockRefused(stack, id, held?.lock);
    try {
      await this.bucket().file(this.objectName(stack, 'lock')).delete({ ifGenerationMatch: held.generation });
    } catch (error) {
      if (statusOf(error) === 404) return; // released meanwhile
      if (statusOf(error) === 412) throw forceUnlockRefused(stack, id, (await this.readLockObject(stack))?.lock);
      throw this.failure(held.lock.where, 'the lock could not be removed', error);
    }
  }

  private objectName(stack: string, suffix: 'json' | 'lock'): string {
    return this.prefix ? `${this.prefix}/${stack}.${suffix}` : `${stack}.${suffix}`;
  }

  private bucket(): Bucket {
    if (!this.client) {
      // Loaded on first use: commands on the file backend never pay for the Cloud Storage client.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Storage: StorageClient } = require('@google-cloud/storage') as typeof import('@google-cloud/storage');
      this.client = new StorageClient({
        ...(this.options.apiEndpoint ? { apiEndpoint: this.options.apiEndpoint } : {}),
        ...(this.options.projectId ? { projectId: this.options.projectId } : {}),
      });
    }
    return this.client.bucket(this.bucketName);
  }

  private async readLockObject(stack: string): Promise<{ lock: HeldLock; generation: string } | undefined> {
    const name = this.objectName(stack, 'lock');
    const where = `gs://${this.bucketName}/${name}`;
    const found = await this.readObject(name, where);
    if (!found) return undefined;
    return { lock: { stack, info: parseLockInfo(found.text), where }, generation: found.generation };
  }

  /** Metadata, then the bytes of exactly that generation; undefined when the object does not exist. */
  private async readObject(name: string, where: string): Promise<{ text: string; generation: string } | undefined> {
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      let generation: string;
      try {
        const [metadata] = await this.bucket().file(name).getMetadata();
        generation = String(metadata.generation);
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw this.failure(where, 'cannot be read', error);
      }
      try {
        const [bytes] = await this.bucket().file(name, { generation }).download();
        return { text: bytes.toString('utf8'), generation };
      } catch (error) {
        if (statusOf(error) !== 404) throw this.failure(where, 'cannot be read', error);
        // Replaced or deleted between the two requests: read again.
      }
    }
    throw this.failure(where, `kept changing while being read (${READ_ATTEMPTS} attempts)`);
  }

  /** Tells a missing bucket (a clear error) from a missing object (a missing state). */
  private async assertBucket(where: string): Promise<void> {
    try {
      await this.bucket().getFiles({ maxResults: 1, autoPaginate: false, prefix: this.prefix });
    } catch (error) {
      if (statusOf(error) === 404) {
        throw backendError(
          where,
          `the bucket gs://${this.bucketName} does not exist; mailpolicy never creates buckets. Create it (for ` +
            `example \`gcloud storage buckets create gs://${this.bucketName} --uniform-bucket-level-access\`; ` +
            'object versioning keeps earlier states) and run the command again',
        );
      }
      throw this.failure(where, 'the bucket cannot be listed', error);
    }
  }

  private failure(where: string, what: string, error?: unknown): Error {
    const status = statusOf(error);
    if (status === 401 || status === 403) {
      return backendError(
        where,
        `${what}: access refused (${status}). The credentials (Application Default Credentials) need ` +
          'storage.objects.get, create, delete and list on the bucket, e.g. roles/storage.objectUser',
      );
    }
    const detail = error instanceof Error && error.message ? `: ${firstLine(error.message)}` : '';
    return backendError(where, `${what}${status ? ` (HTTP ${status})` : ''}${detail}`);
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
