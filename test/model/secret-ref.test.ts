import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveSecret } from '../../lib/model/secret-ref';

const root = mkdtempSync(join(tmpdir(), 'secret-ref-'));
const app = join(root, 'app');
const outside = join(root, 'elsewhere');
beforeAll(() => {
  mkdirSync(join(app, 'secrets'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(app, 'secrets', 'relay.txt'), 'inside-value\n');
  writeFileSync(join(outside, 'key.json'), 'outside-value');
  symlinkSync(join(outside, 'key.json'), join(app, 'secrets', 'link.txt'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('file: secret references', () => {
  test('resolve inside the app folder, dropping one trailing newline', () => {
    expect(resolveSecret('file:secrets/relay.txt', {}, app)).toEqual({ ok: true, value: 'inside-value' });
  });

  test.each([
    ['a relative path climbing out', 'file:../elsewhere/key.json'],
    ['an absolute path outside', `file:${join(root, 'elsewhere', 'key.json')}`],
    ['a deep traversal', 'file:../../../../../../etc/shadow'],
    ['a symbolic link pointing outside', 'file:secrets/link.txt'],
  ])('refuse %s, showing the reference and never the value', (_what, ref) => {
    const result = resolveSecret(ref, {}, app);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(`'${ref}' points outside the app folder and MAILPOLICY_SECRET_DIRS`);
    expect(result.reason).not.toContain('outside-value');
  });

  test('resolve in a folder listed in MAILPOLICY_SECRET_DIRS', () => {
    const env = { MAILPOLICY_SECRET_DIRS: outside };
    expect(resolveSecret('file:../elsewhere/key.json', env, app)).toEqual({ ok: true, value: 'outside-value' });
    expect(resolveSecret('file:secrets/link.txt', env, app)).toEqual({ ok: true, value: 'outside-value' });
  });
});
