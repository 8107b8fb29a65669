import fc from 'fast-check';
import { join } from 'node:path';

import { ErrorCodes } from '../../lib/model/errors';
import { DEFAULT_STATE_URL, FileStateBackend, GcsStateBackend, openStateBackend, parseStateUrl } from '../../lib/state';

const APP = '/work/app';

describe('state URLs', () => {
  test('file:PATH is a folder relative to the app folder, or absolute', () => {
    expect(parseStateUrl('file:.mailpolicy/state', { appDir: APP })).toEqual({
      kind: 'file',
      folder: join(APP, '.mailpolicy/state'),
    });
    expect(parseStateUrl('file:/var/lib/mp', { appDir: APP })).toEqual({ kind: 'file', folder: '/var/lib/mp' });
    expect(parseStateUrl('file:///var/lib/mp', { appDir: APP })).toEqual({ kind: 'file', folder: '/var/lib/mp' });
    expect(parseStateUrl('file:../shared', { appDir: APP })).toEqual({ kind: 'file', folder: '/work/shared' });
  });

  test('gs://BUCKET/PREFIX, with the prefix optional and its slashes trimmed', () => {
    expect(parseStateUrl('gs://acme-states/mail/prod/', { appDir: APP })).toEqual({
      kind: 'gcs',
      bucket: 'acme-states',
      prefix: 'mail/prod',
    });
    expect(parseStateUrl('gs://acme-states', { appDir: APP })).toEqual({
      kind: 'gcs',
      bucket: 'acme-states',
      prefix: '',
    });
    expect(parseStateUrl('gs://acme.states.example.com/x', { appDir: APP })).toMatchObject({
      bucket: 'acme.states.example.com',
    });
  });

  test('any valid bucket and prefix parse back to themselves', () => {
    const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{1,40}[a-z0-9]$/);
    const prefix = fc.array(fc.stringMatching(/^[A-Za-z0-9_=+-]{1,12}$/), { maxLength: 4 }).map((s) => s.join('/'));
    fc.assert(
      fc.property(bucket, prefix, (b, p) => {
        expect(parseStateUrl(`gs://${b}/${p}`, { appDir: APP })).toEqual({ kind: 'gcs', bucket: b, prefix: p });
      }),
    );
  });

  test('fails for anything else with MP4000 listing the allowed forms', () => {
    for (const bad of [
      's3://bucket/x',
      'state.json',
      '',
      'file:',
      'gs://',
      'gs://UPPER/x',
      'gs://ab',
      'gs://a..b/x',
      'gs://ok-bucket/a/../b',
      'gs://ok-bucket/a//b',
      'https://storage.googleapis.com/b',
    ]) {
      let error: { code?: string; message: string } | undefined;
      try {
        parseStateUrl(bad, { appDir: APP, source: 'MAILPOLICY_STATE' });
      } catch (e) {
        error = e as { code?: string; message: string };
      }
      expect(error?.code).toBe(ErrorCodes.USAGE);
      expect(error?.message).toContain(`MAILPOLICY_STATE: '${bad}'`);
      expect(error?.message).toContain(
        'allowed: file:PATH (a folder, relative to the app folder) or gs://BUCKET/PREFIX',
      );
    }
  });

  test('--state wins over MAILPOLICY_STATE, which wins over the default folder of the app', () => {
    const env = { MAILPOLICY_STATE: 'gs://team-states/mail' };
    const fromFlag = openStateBackend({ appDir: APP, url: 'file:st', env });
    expect(fromFlag).toBeInstanceOf(FileStateBackend);
    expect(fromFlag.url).toBe(`file:${join(APP, 'st')}`);
    const fromEnv = openStateBackend({ appDir: APP, env });
    expect(fromEnv).toBeInstanceOf(GcsStateBackend);
    expect(fromEnv.url).toBe('gs://team-states/mail');
    expect(fromEnv.describe('prod')).toBe('gs://team-states/mail/prod.json');
    const byDefault = openStateBackend({ appDir: APP, env: {} });
    expect(DEFAULT_STATE_URL).toBe('file:.mailpolicy/state');
    expect(byDefault.describe('prod')).toBe(join(APP, '.mailpolicy/state/prod.json'));
  });
});
