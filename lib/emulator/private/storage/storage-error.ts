/**
 * Cloud Storage JSON API errors: `{ error: { code, message, errors: [{ message, domain, reason, … }] } }` — the
 * shape of the status-codes page, without the `status` string other Google APIs add.
 */

const STORAGE_ERROR = Symbol.for('workspace-mail-policy.emulator.StorageError');

export class StorageError extends Error {
  public static isStorageError(x: unknown): x is StorageError {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[STORAGE_ERROR] === true;
  }

  public constructor(
    public readonly code: number,
    public readonly reason: string,
    message: string,
    public readonly location?: { readonly locationType: string; readonly location: string },
  ) {
    super(message);
    Object.defineProperty(this, STORAGE_ERROR, { value: true });
  }

  public body(): object {
    return {
      error: {
        code: this.code,
        message: this.message,
        errors: [{ message: this.message, domain: 'global', reason: this.reason, ...(this.location ?? {}) }],
      },
    };
  }
}

/** 404 for a bucket that does not exist. */
export function noSuchBucket(): StorageError {
  return new StorageError(404, 'notFound', 'The specified bucket does not exist.');
}

/** 404 for an object (or an object of a bucket) that does not exist. */
export function noSuchObject(bucket: string, name: string): StorageError {
  return new StorageError(404, 'notFound', `No such object: ${bucket}/${name}`);
}

/** 412 for a failed `ifGenerationMatch` / `ifMetagenerationMatch` (and, on writes, the NotMatch forms). */
export function conditionNotMet(): StorageError {
  return new StorageError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.', {
    locationType: 'header',
    location: 'If-Match',
  });
}

/** 400 `invalid`. */
export function invalid(message: string): StorageError {
  return new StorageError(400, 'invalid', message);
}

/** 400 `required`. */
export function required(what: string): StorageError {
  return new StorageError(400, 'required', `Required parameter: ${what}`);
}
