import { RULE_PACK, blockingFindings, emptyManifest, runRulePack, type Manifest } from '../../lib/model';

function manifestWithRootGateway(): Manifest {
  const m = emptyManifest('mail', ['example.com']);
  m.gatewayPolicies.push({ orgUnitPath: '/', allowPerUserOutboundGateways: true, constructPath: 'mail/Gw' });
  return m;
}

describe('runRulePack', () => {
  test('every rule has a stable MPR id and a level', () => {
    for (const rule of RULE_PACK) {
      expect(rule.id).toMatch(/^MPR-[A-Z0-9-]+$/);
      expect(['error', 'warning', 'info']).toContain(rule.level);
    }
    expect(new Set(RULE_PACK.map((r) => r.id)).size).toBe(RULE_PACK.length);
  });

  test('reports findings with subject, construct path and fix', () => {
    const findings = runRulePack(manifestWithRootGateway());
    const root = findings.find((f) => f.ruleId === 'MPR-GATEWAY-AT-ROOT');
    expect(root).toMatchObject({ level: 'warning', subject: 'orgUnit:/', constructPath: 'mail/Gw' });
    expect(root?.fix).toMatch(/smallest OU/);
    expect(blockingFindings(findings)).toHaveLength(findings.length);
  });

  test('acknowledgements match by rule id and optional subject', () => {
    const m = manifestWithRootGateway();
    m.acknowledgements.push({ ruleId: 'MPR-GATEWAY-AT-ROOT', reason: 'pilot', subject: 'orgUnit:/' });
    m.acknowledgements.push({ ruleId: 'MPR-GATEWAY-UNUSED', reason: 'elsewhere' });
    const findings = runRulePack(m);
    expect(findings.map((f) => [f.ruleId, f.acknowledged])).toEqual([
      ['MPR-GATEWAY-AT-ROOT', 'pilot'],
      ['MPR-GATEWAY-UNUSED', 'elsewhere'],
    ]);
    expect(blockingFindings(findings)).toEqual([]);
  });

  test('does not mutate the manifest', () => {
    const m = manifestWithRootGateway();
    const before = JSON.stringify(m);
    runRulePack(m);
    expect(JSON.stringify(m)).toBe(before);
  });
});
