/**
 * docs/gitops.md tells a person what to paste into the Admin console and what the workflows need: the scope
 * lists must be exactly what the client asks for, so a grant made from the page never misses a scope or holds
 * one too many.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { scopesForAccess, scopeUrl } from '../../lib/admin/scopes';
import { DOCTOR_DOMAIN_SCOPE } from '../../lib/doctor/delegation-checks';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'gitops.md'), 'utf8');
const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The code block after `<!-- scopes: NAME -->`, split at commas. */
function scopeList(name: string): string[] {
  const marker = `<!-- scopes: ${name} -->`;
  const at = doc.indexOf(marker);
  if (at < 0) throw new Error(`docs/gitops.md has no ${marker}`);
  const block = /```\n([^`]*)\n```/.exec(doc.slice(at));
  if (!block) throw new Error(`no code block after ${marker}`);
  return block[1].trim().split(',');
}

describe('docs/gitops.md', () => {
  it.each([
    ['read basic', scopesForAccess('read', 'basic')],
    ['read readonly', scopesForAccess('read', 'readonly')],
    ['write', scopesForAccess('write')],
  ])('lists the %s grant exactly as scopesForAccess returns it', (name, scopes) => {
    expect(scopeList(name)).toEqual(scopes);
  });

  it('names every scope of either grant in its table, and no scope the client never asks for', () => {
    const all = new Set([
      ...scopesForAccess('read', 'basic'),
      ...scopesForAccess('read', 'readonly'),
      ...scopesForAccess('write'),
    ]);
    const named = new Set(
      [...doc.matchAll(/`((?:admin\.directory|cloud-identity|gmail)\.[a-z.]+)`/g)].map((m) => scopeUrl(m[1])),
    );
    for (const scope of all) expect(named).toContain(scope);
    // The one extra scope: doctor's, said to be optional and doctor's only.
    expect([...named].filter((s) => !all.has(s))).toEqual([]);
    expect(doc).toContain(scopeUrl(DOCTOR_DOMAIN_SCOPE));
  });

  it('speaks of the state backend, not of the ledger it replaced', () => {
    expect(doc).not.toMatch(/MAILPOLICY_LEDGER|actions\/cache/);
    expect(doc).toContain('MAILPOLICY_STATE');
    expect(doc).toMatch(/roles\/storage\.objectViewer/);
    expect(doc).toMatch(/roles\/storage\.objectUser/);
    expect(doc).toContain('force-unlock');
    expect(doc).toContain('--lock-timeout');
    for (const match of doc.matchAll(/ledger/gi)) {
      // Only where it tells users of the earlier template how to carry their ledger over.
      const line = doc.slice(doc.lastIndexOf('\n', match.index) + 1, doc.indexOf('\n', match.index));
      expect(line).toMatch(/earlier template|migration-from-ledgerjson|ledger\.json/);
    }
  });
});

describe('README.md', () => {
  it.each([
    ['plan, drift, import (read-only)', scopesForAccess('read', 'basic')],
    ['apply (write)', scopesForAccess('write')],
  ])('lists the scopes of "%s" exactly as scopesForAccess returns them', (job, scopes) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| ${job} `));
    expect(row).toBeDefined();
    const named = [...row!.matchAll(/`([a-z.-]+)`/g)].map((m) => scopeUrl(m[1]));
    expect(named).toEqual(scopes);
  });
});
