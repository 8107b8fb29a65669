import { createHash } from 'node:crypto';

/** CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Cloud Storage reports and clients verify. */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Base64 of the big-endian CRC32C of `data`, as in an object's `crc32c` field and `x-goog-hash`. */
export function crc32cBase64(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, 0);
  return out.toString('base64');
}

/** Base64 of the MD5 of `data`, as in an object's `md5Hash` field. */
export function md5Base64(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}
