/**
 * The reviewed plan is the one applied, through the `mailpolicy` binary: a saved plan edited after review, or
 * applied beside other code than it was made from, is refused and changes nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Change } from '../../lib/engine/change';
import type { Plan } from '../../lib/engine/plan';
import type { Manifest } from '../../lib/model/manifest';
import { describeRun, runCli, type CliResult } from './helpers/cli';
import {
  editJson,
  synthPartnerGateway,
  writeCalls,
  type CliTenant,
  type PartnerSmtp,
  usePartnerTenant,
} from './helpers/tenant';

let tenant: CliTenant;
let smtp: PartnerSmtp;

usePartnerTenant((started) => ({ tenant, smtp } = started));

interface SavedPlanFile {
  plan: Plan;
  manifest: Manifest;
  manifestDigest: string;
}

interface Run {
  readonly cwd: string;
  readonly manifest: string;
  readonly planFile: string;
  cli(...args: string[]): Promise<CliResult>;
}

/** A fresh demo tenant with one identity the stack does not declare, and a reviewed plan saved to plan.json. */
async function reviewedPlan(name: string): Promise<Run> {
  tenant.emulator.control.seed('demo');
  const snapshot = tenant.emulator.control.snapshot();
  tenant.emulator.control.seed({
    ...snapshot,
    sendAs: [{ userEmail: 'admin@example.com', sendAsEmail: 'billing@example.com', displayName: 'Billing' }],
  });
  const cwd = tenant.freshDir(name);
  const env = { ...tenant.env, ...smtp.env };
  const manifest = join(synthPartnerGateway(join(cwd, 'cdktf.out'), env), 'mail-policy.json');
  const run: Run = {
    cwd,
    manifest,
    planFile: join(cwd, 'plan.json'),
    cli: (...args) => runCli(args, { cwd, env }),
  };
  const planned = await run.cli('plan', '--manifest', manifest, '--out', 'plan.json');
  expect(describeRun(planned)).toMatch(/^exit 0/);
  return run;
}

function expectRefusedUntouched(result: CliResult, writesBefore: number, pattern: RegExp): void {
  expect(describeRun(result)).toMatch(/^exit 1/);
  expect(result.stderr).toMatch(pattern);
  expect(result.stderr).toContain('nothing was changed');
  expect(writeCalls(tenant.emulator)).toBe(writesBefore);
  expect(tenant.emulator.control.snapshot().sendAs).toEqual([
    expect.objectContaining({ userEmail: 'admin@example.com', sendAsEmail: 'billing@example.com' }),
  ]);
}

describe('a saved plan edited after review', () => {
  test('with two changes added (digests kept) is refused: a delete outside the scope and an exfiltrating create', async () => {
    const run = await reviewedPlan('added');
    editJson<SavedPlanFile>(run.planFile, (doc) => {
      const remove: Change = {
        id: 'sendAs:admin@example.com/billing@example.com',
        kind: 'sendAs',
        action: 'delete',
        subject: 'admin@example.com → billing@example.com',
        attributes: [],
        dependsOn: [],
        security: ['destructive'],
        cause: 'scope',
        target: { userEmail: 'admin@example.com', sendAsEmail: 'billing@example.com' },
      };
      const exfiltrate: Change = {
        id: 'sendAs:admin@example.com/x@attacker.test',
        kind: 'sendAs',
        action: 'create',
        subject: 'admin@example.com → x@attacker.test',
        attributes: [],
        dependsOn: [],
        security: [],
        cause: 'code',
        target: { userEmail: 'admin@example.com', sendAsEmail: 'x@attacker.test' },
        desired: {
          userEmail: 'admin@example.com',
          sendAsEmail: 'x@attacker.test',
          smtp: {
            host: smtp.server.host,
            port: smtp.server.port,
            securityMode: 'starttls',
            username: 'user.name@partnerdomain.com',
            password: { ref: `file:${tenant.credentialsFile}` },
          },
        },
        write: { fields: ['smtpMsa'] },
      };
      doc.plan.changes.push(remove, exfiltrate);
    });
    const writes = writeCalls(tenant.emulator);
    const applied = await run.cli('apply', 'plan.json');
    expectRefusedUntouched(
      applied,
      writes,
      /\[MP3021\][\s\S]*x@attacker\.test is in the plan file but not planned now/,
    );
    expect(applied.stderr).not.toContain(readFileSync(tenant.credentialsFile, 'utf8').slice(0, 60));
  });

  test('with a value edited is refused', async () => {
    const run = await reviewedPlan('edited');
    editJson<SavedPlanFile>(run.planFile, (doc) => {
      for (const change of doc.plan.changes)
        if (change.kind === 'sendAs' && change.action === 'create') change.desired.displayName = 'Someone Else';
    });
    const writes = writeCalls(tenant.emulator);
    const applied = await run.cli('apply', 'plan.json');
    expectRefusedUntouched(applied, writes, /\[MP3021\][\s\S]*differs from what is planned now/);
  });

  test('with its embedded manifest edited is refused, and so is a consistent edit beside the merged code', async () => {
    const run = await reviewedPlan('manifest');
    const original = readFileSync(run.planFile, 'utf8');
    editJson<SavedPlanFile>(run.planFile, (doc) => {
      doc.manifest.domains.push('attacker.test');
    });
    const writes = writeCalls(tenant.emulator);
    expectRefusedUntouched(
      await run.cli('apply', 'plan.json'),
      writes,
      /\[MP3021\][\s\S]*embedded manifest was changed/,
    );

    // The same edit with the digest recomputed passes the file's own check, but not the merged code's.
    writeFileSync(run.planFile, original);
    const { digestManifest } = await import('../../lib/engine/saved-plan');
    editJson<SavedPlanFile>(run.planFile, (doc) => {
      doc.manifest.domains.push('attacker.test');
      doc.manifestDigest = digestManifest(doc.manifest);
    });
    const beside = await run.cli('apply', 'plan.json', '--manifest', run.manifest);
    expectRefusedUntouched(beside, writes, /\[MP3021\][\s\S]*is not the one the plan was made from/);
  });

  test('an unedited plan applied beside the code it was made from applies as reviewed', async () => {
    const run = await reviewedPlan('honest');
    const applied = await run.cli('apply', 'plan.json', '--manifest', run.manifest);
    expect(describeRun(applied)).toMatch(/^exit 0/);
    expect(applied.stderr).toContain('4 done, 0 failed');
  });
});
