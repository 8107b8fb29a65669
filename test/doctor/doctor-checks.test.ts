/**
 * The parts of doctor that need no network: which scopes it asks for, what it says about the gateway setting, how
 * it reads Google's "API not enabled" answer, and how the report renders.
 */
import { scopesForAccess } from '../../lib/admin';
import {
  DOCTOR_DOMAIN_SCOPE,
  buildReport,
  checkGatewayWrites,
  grantScopeList,
  renderDoctorMarkdown,
  renderDoctorText,
  scopeNeeds,
  type DoctorCheck,
} from '../../lib/doctor';
import { checkPolicyApi, type TenantContext } from '../../lib/doctor/tenant-checks';
import type { DelegatedCalls } from '../../lib/doctor/private/google-calls';
import { emptyManifest } from '../../lib/model/manifest';

const url = (name: string): string => `https://www.googleapis.com/auth/${name}`;

describe('scopes', () => {
  test('doctor asks for every scope plan and apply use, and its own domain scope, nothing else', () => {
    for (const gmail of ['basic', 'readonly'] as const) {
      const wanted = new Set([
        ...scopesForAccess('read', gmail),
        ...scopesForAccess('write', gmail),
        url(DOCTOR_DOMAIN_SCOPE),
      ]);
      expect(grantScopeList(scopeNeeds(gmail))).toEqual([...wanted].sort());
    }
    const needs = scopeNeeds('readonly');
    expect(needs.find((n) => n.scope === 'gmail.readonly')).toMatchObject({ subject: 'user', usedBy: ['plan'] });
    expect(needs.find((n) => n.scope === 'gmail.settings.sharing')).toMatchObject({
      subject: 'user',
      usedBy: ['apply'],
    });
    expect(needs.find((n) => n.scope === 'cloud-identity.policies')).toMatchObject({
      subject: 'admin',
      optional: false,
    });
    expect(needs.filter((n) => n.optional).map((n) => n.scope)).toEqual([DOCTOR_DOMAIN_SCOPE]);
  });

  test('--access read and write check the scopes of one side only', () => {
    for (const access of ['read', 'write'] as const) {
      expect(grantScopeList(scopeNeeds('basic', access))).toEqual(
        [...new Set([...scopesForAccess(access), url(DOCTOR_DOMAIN_SCOPE)])].sort(),
      );
    }
  });
});

describe('the gateway setting', () => {
  const withPolicy = {
    ...emptyManifest('s', ['example.com']),
    gatewayPolicies: [{ orgUnitPath: '/Sales', allowPerUserOutboundGateways: true as const }],
  };
  test('is not needed when the code sets no gateway policy', () => {
    expect(checkGatewayWrites([emptyManifest('s', ['example.com'])], undefined, true)).toMatchObject({ status: 'ok' });
  });
  test('is unknown until apply tries, and says what apply then does', () => {
    const check = checkGatewayWrites([withPolicy], undefined, false);
    expect(check).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^unknown until apply tries/) });
    expect(check.fix).toMatch(/manual step .*Allow per-user outbound gateways/);
    expect(check.fix).toContain('--wait-for-manual');
  });
  test('is a manual step when the state recorded a refusal or the user chose manual', () => {
    expect(checkGatewayWrites([withPolicy], undefined, true).detail).toMatch(/^refused on this tenant/);
    expect(checkGatewayWrites([withPolicy], 'manual', false).detail).toMatch(/^written by a person/);
    expect(checkGatewayWrites([withPolicy], 'api', true).detail).toMatch(/^unknown/);
  });
});

describe("Google's answer for an API that is not enabled", () => {
  // The shape Google sends when a Cloud project has not enabled an API: 403, ErrorInfo reason SERVICE_DISABLED
  // (legacy errors[0].reason accessNotConfigured), and a message naming the project.
  const disabled = Object.assign(new Error('Cloud Identity API has not been used'), {
    response: {
      status: 403,
      data: {
        error: {
          code: 403,
          message:
            'Cloud Identity API has not been used in project 1234 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/cloudidentity.googleapis.com/overview?project=1234 then retry.',
          status: 'PERMISSION_DENIED',
          details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' }],
        },
      },
    },
  });
  test('names the API and the link that enables it in the key’s project', async () => {
    const calls = {
      policies: () => ({ policies: { list: () => Promise.reject(disabled) } }),
    } as unknown as DelegatedCalls;
    const ctx: TenantContext = {
      calls,
      admin: 'admin@example.com',
      granted: new Set(['admin@example.com cloud-identity.policies.readonly']),
      projectId: 'my-project',
    };
    const check = await checkPolicyApi(ctx);
    expect(check).toMatchObject({ status: 'fail', code: 'MP2001' });
    expect(check.detail).toMatch(/^the Cloud Identity API is not enabled in the service account's Cloud project/);
    expect(check.fix).toBe(
      'enable it: https://console.cloud.google.com/apis/library/cloudidentity.googleapis.com?project=my-project (and wait a few minutes)',
    );
  });
});

describe('rendering', () => {
  const check = (i: number, status: DoctorCheck['status'] = 'ok'): DoctorCheck => ({
    id: `users.user:u${i}@example.com`,
    group: 'users',
    status,
    title: `user u${i}@example.com`,
    detail: status === 'ok' ? 'exists' : 'does not | exist <here>',
    ...(status === 'fail' ? { fix: 'create the user' } : {}),
  });
  const report = buildReport({
    stacks: ['s'],
    target: { kind: 'emulator', description: 'Workspace emulator at http://127.0.0.1:1 (not Google)' },
    checks: [...Array.from({ length: 40 }, (_, i) => check(i)), check(40, 'fail'), check(41, 'fail')],
  });

  test('a group with many passes shows ten and counts the rest; problems are always shown', () => {
    const text = renderDoctorText(report);
    expect(text.split('\n').filter((l) => l.startsWith('  ✓ user '))).toHaveLength(10);
    expect(text).toContain('  ✓ 30 more passed (all listed with --format json)');
    expect(text.split('\n').filter((l) => l.startsWith('  ✗ '))).toHaveLength(2);
    // The same fix twice is written once.
    expect(text.match(/fix: create the user/g)).toHaveLength(1);
    expect(text).toContain('fix: as above');
    expect(text.trimEnd().split('\n').pop()).toBe(
      'Blocked: fix the ✗ lines before the first apply (2 checks failed, 0 warnings, 40 passed).',
    );
  });

  test('markdown escapes table cells and folds the passes into details', () => {
    const md = renderDoctorMarkdown(report);
    expect(md.split('\n')[0]).toBe('## ❌ mailpolicy doctor: 2 checks block the first apply');
    expect(md).toContain('| ❌ | user u40@example.com | does not \\| exist &lt;here&gt; | create the user |');
    expect(md).toContain('<details><summary>30 more passed</summary>');
    expect(md.split('\n').filter((l) => l.startsWith('| ✅ |'))).toHaveLength(40);
    expect(report.exitCode).toBe(1);
  });
});
