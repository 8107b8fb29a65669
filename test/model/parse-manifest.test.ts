import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { MailPolicyError, parseManifest, safeParseManifest, type ValidationIssue } from '../../lib/model';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'manifests', name), 'utf8'));
}

function issuesOf(name: string): ValidationIssue[] {
  const result = safeParseManifest(fixture(name));
  if (result.success) throw new Error(`expected ${name} to be invalid`);
  return result.issues;
}

function at(issues: ValidationIssue[], jsonPath: string): ValidationIssue | undefined {
  return issues.find((i) => i.jsonPath === jsonPath);
}

describe('parseManifest', () => {
  test('accepts the reference manifest', () => {
    const manifest = parseManifest(fixture('valid-partner-gateway.json'));
    expect(manifest.sendAs[0].smtp?.port).toBe(587);
  });

  test('fails on structural errors with JSON paths, never echoing a password', () => {
    const issues = issuesOf('bad-structure.json');
    expect(at(issues, '$.version')).toMatchObject({ value: 2, allowed: '1' });
    expect(at(issues, '$.gatewayPolicies[0].allowPerUserOutboundGateways')).toBeDefined();
    expect(at(issues, '$.orgUnits[0]')).toMatchObject({ value: ['colour'] });
    expect(at(issues, '$.sendAs[0].smtp.port')).toMatchObject({ value: '587', allowed: 'a value of type number' });
    expect(at(issues, '$.sendAs[0].smtp.securityMode')).toMatchObject({ value: 'tls' });
    expect(at(issues, '$.sendAs[0].smtp.password')).toMatchObject({ value: '(sensitive)' });
    let error: unknown;
    try {
      parseManifest(fixture('bad-structure.json'));
    } catch (e) {
      error = e;
    }
    expect(MailPolicyError.isMailPolicyError(error)).toBe(true);
    expect((error as MailPolicyError).code).toBe('MP1000');
    expect((error as Error).message).toMatch(/\$\.sendAs\[0\]\.smtp\.port: smtp\.port: .*received "587"/);
    expect((error as Error).message).not.toMatch(/hunter2/);
  });

  test('fails on value and cross-object errors with JSON paths and stable codes', () => {
    const issues = issuesOf('bad-values.json');
    const expected: Array<[string, string, unknown]> = [
      ['$.sendAs[0].smtp.host', 'MPV-SMTP-HOST', 'smtp.partnerdomain.com && curl evil'],
      ['$.sendAs[0].smtp.port', 'MPV-SMTP-PORT', 0],
      ['$.sendAs[0].smtp.securityMode', 'MPV-SMTP-NONE-PORT', 'none'],
      ['$.sendAs[0].smtp.password', 'MPV-SECRET-REF', 'vault:secret/x'],
      ['$.sendAs[1].sendAsEmail', 'MPV-SENDAS-DUPLICATE', 'A@PartnerDomain.com'],
      ['$.sendAs[1].isDefault', 'MPV-SENDAS-DEFAULT-FALSE', false],
      ['$.sendAs[2].smtp', 'MPV-SMTP-INTERNAL-ADDRESS', 'team@example.com'],
      ['$.gatewayPolicies[1].orgUnitPath', 'MPV-GATEWAY-DUPLICATE', '/sales'],
      ['$.gatewayPolicies[2].orgUnitPath', 'MPV-OU-UNDECLARED', '/Nowhere'],
      ['$.orgUnits[1].parentPath', 'MPV-OU-PARENT', '/Missing'],
      ['$.orgUnits[2].path', 'MPV-OU-PATH', '/Sales/Other'],
      ['$.ownership[0].email', 'MPV-EMAIL', 'not an address'],
      ['$.acknowledgements[0].reason', 'MPV-ACK', ''],
    ];
    for (const [jsonPath, code, value] of expected) {
      expect({ jsonPath, issue: issues.find((i) => i.jsonPath === jsonPath && i.code === code) }).toEqual({
        jsonPath,
        issue: expect.objectContaining({ value }),
      });
    }
    // The malformed fingerprint of sendAs[2] is reported too.
    expect(issues.some((i) => i.code === 'MPV-SECRET-REF' && i.message === 'malformed secret fingerprint')).toBe(true);
  });

  test('a manifest the constructs produced round-trips through parseManifest unchanged', () => {
    const input = fixture('valid-partner-gateway.json');
    expect(parseManifest(input)).toEqual(input);
  });
});
