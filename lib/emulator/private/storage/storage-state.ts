import { crc32cBase64, md5Base64 } from './hashes';
import { StorageError } from './storage-error';

/** One live object (no versioning: a write replaces the live generation). */
export interface StoredObject {
  readonly bucket: string;
  readonly name: string;
  /** Google's generations are int64 microsecond timestamps; kept as bigint, sent as strings. */
  readonly generation: bigint;
  readonly metageneration: bigint;
  readonly contentType: string;
  readonly data: Buffer;
  readonly md5Hash: string;
  readonly crc32c: string;
  readonly timeCreated: string;
}

export interface StoredBucket {
  readonly name: string;
  readonly projectNumber: string;
  readonly timeCreated: string;
  readonly objects: Map<string, StoredObject>;
}

/** Buckets and their live objects, in memory. */
export class StorageState {
  private readonly buckets = new Map<string, StoredBucket>();
  private lastGeneration = 0n;

  public bucket(name: string): StoredBucket | undefined {
    return this.buckets.get(name);
  }

  public bucketNames(): string[] {
    return [...this.buckets.keys()].sort();
  }

  /** buckets.insert; 409 when the name is taken. */
  public createBucket(name: string, projectNumber: string): StoredBucket {
    if (this.buckets.has(name)) {
      throw new StorageError(409, 'conflict', 'You already own this bucket. Please select another name.');
    }
    const bucket: StoredBucket = { name, projectNumber, timeCreated: new Date().toISOString(), objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  /** Stores a new live generation of an object. */
  public putObject(bucket: StoredBucket, name: string, contentType: string, data: Buffer): StoredObject {
    const object: StoredObject = {
      bucket: bucket.name,
      name,
      generation: this.nextGeneration(),
      metageneration: 1n,
      contentType,
      data,
      md5Hash: md5Base64(data),
      crc32c: crc32cBase64(data),
      timeCreated: new Date().toISOString(),
    };
    bucket.objects.set(name, object);
    return object;
  }

  /** Strictly increasing, close to the clock in microseconds like Google's. */
  private nextGeneration(): bigint {
    const now = BigInt(Date.now()) * 1000n;
    this.lastGeneration = now > this.lastGeneration ? now : this.lastGeneration + 1n;
    return this.lastGeneration;
  }
}
