/**
 * The gitops template's workflows, read as GitHub reads them: which jobs run for which event, where the
 * credentials are, and what each job does with each exit code of mailpolicy (the scripts run with a stub `npx`).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseDuration } from '../../lib/cli/args';
import { runs, type ExpressionContext } from '../helpers/github-expression';
import {
  findStep,
  readWorkflow,
  runGithubScript,
  stepSandbox,
  type StepSandbox,
  type Workflow,
  type WorkflowJob,
} from '../helpers/github-workflow';

const TEMPLATE = join(__dirname, '..', '..', 'examples', 'gitops');
const WORKFLOWS = join(TEMPLATE, '.github', 'workflows');
const main = readWorkflow(join(WORKFLOWS, 'mail-policy.yml'));
const planWorkflow = readWorkflow(join(WORKFLOWS, 'mail-policy-plan.yml'));
const workflows: Record<string, Workflow> = { 'mail-policy.yml': main, 'mail-policy-plan.yml': planWorkflow };
const STATE = 'gs://acme-mail-state/prod';

/** Every job of both workflows, as [file, job id, job]. */
const allJobs = Object.entries(workflows).flatMap(([file, wf]) =>
  Object.entries(wf.jobs).map(([id, job]) => [file, id, job] as const),
);

function secretsOf(job: WorkflowJob): string[] {
  const text = JSON.stringify({ env: job.env, steps: job.steps });
  return [...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]);
}

function environmentOf(job: WorkflowJob): string | undefined {
  return typeof job.environment === 'object' ? job.environment.name : job.environment;
}

/** The jobs of mail-policy.yml that run for an event (`needs` outputs as given). */
function jobsFor(event: ExpressionContext): string[] {
  return Object.entries(main.jobs)
    .filter(([, job]) => runs(job.if, event))
    .map(([id]) => id);
}

const event = (name: string, extra: Record<string, unknown> = {}): ExpressionContext => ({
  github: { event_name: name, ref: name === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/main', event: {} },
  inputs: {},
  needs: {},
  ...extra,
});

describe('examples/gitops workflows: where the credentials are', () => {
  it('expands no expression inside a script: secrets, event fields and inputs reach scripts through env', () => {
    for (const [file, id, job] of allJobs) {
      for (const step of job.steps) {
        const code = step.run ?? (step.uses?.startsWith('actions/github-script') ? String(step.with?.script) : '');
        expect({ file, job: id, step: step.name ?? step.run, code: code.includes('${{') ? code : '' }).toEqual({
          file,
          job: id,
          step: step.name ?? step.run,
          code: '',
        });
      }
    }
  });

  it('runs only the credential-free synth job for a pull request, with no secret, environment or write permission', () => {
    expect(jobsFor(event('pull_request'))).toEqual(['synth']);
    const synth = main.jobs.synth;
    expect(synth.steps.some((s) => s.run?.includes('mailpolicy synth'))).toBe(true);
    expect(secretsOf(synth)).toEqual([]);
    expect(environmentOf(synth)).toBeUndefined();
    expect(synth.permissions).toEqual({ contents: 'read' });
    for (const wf of Object.values(workflows)) expect(JSON.stringify(wf.env)).not.toMatch(/secrets\./);
  });

  it("plans the pull request's manifests as data, with main's code: no checkout of the pull request, no synth", () => {
    const job = planWorkflow.jobs.plan;
    expect(Object.keys(planWorkflow.on)).toEqual(['workflow_run']);
    const checkouts = job.steps.filter((s) => s.uses?.startsWith('actions/checkout'));
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0].with?.ref).toBeUndefined();
    const plan = findStep(job, 'plan');
    expect(plan.run).toContain('mailpolicy plan "${args[@]}"');
    expect(plan.run).toContain('--manifest "$manifest"');
    expect(JSON.stringify(job.steps)).not.toMatch(/mailpolicy (synth|apply)|npm run/);
    expect(secretsOf(job)).toEqual(['MAILPOLICY_READONLY_KEY']);
  });

  it('keeps each key in its own environment: the read-only key never meets apply, the write key never plans', () => {
    for (const [file, id, job] of allJobs) {
      const secrets = secretsOf(job);
      if (secrets.length === 0) continue;
      const environment = environmentOf(job);
      if (secrets.includes('MAILPOLICY_READONLY_KEY')) {
        expect({ file, id, environment, secrets }).toEqual({
          file,
          id,
          environment: 'mail-policy-plan',
          secrets: ['MAILPOLICY_READONLY_KEY'],
        });
      } else {
        expect({ file, id, environment }).toEqual({ file, id, environment: 'mail-policy-apply' });
        expect(secrets).toContain('MAILPOLICY_WRITE_KEY');
      }
    }
  });

  it('keeps the state in the bucket named by MAILPOLICY_STATE: no ledger, no cache of state', () => {
    for (const wf of Object.values(workflows)) expect(wf.env?.MAILPOLICY_STATE).toBe('${{ vars.MAILPOLICY_STATE }}');
    const files = [
      'README.md',
      '.gitignore',
      'package.json',
      'main.ts',
      ...readdirSync(WORKFLOWS).map((f) => `.github/workflows/${f}`),
    ];
    for (const file of files)
      expect({ file, ledger: /ledger/i.test(readFileSync(join(TEMPLATE, file), 'utf8')) }).toEqual({
        file,
        ledger: false,
      });
    for (const [file, id, job] of allJobs) {
      for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/cache'))) {
        // The only cache: the exit code of the last apply, which the hourly schedule reads.
        expect({ file, id, path: step.with?.path }).toEqual({
          file,
          id,
          path: '${{ runner.temp }}/mailpolicy-apply-status',
        });
      }
    }
  });

  it('refuses to run a credentialed job without a gs:// state', () => {
    const sandbox = stepSandbox();
    try {
      for (const [file, id, job] of allJobs.filter(([, , j]) => secretsOf(j).length > 0)) {
        const guard = job.steps.find((s) => s.run?.includes('case "$MAILPOLICY_STATE" in'));
        expect({ file, id, guarded: guard !== undefined }).toEqual({ file, id, guarded: true });
        const unset = sandbox.run(guard!.run!, { exit: 0 }, { SYNTH_CONCLUSION: 'success', MAILPOLICY_STATE: '' });
        expect(unset.log).toMatch(/::error::Set the repository variable MAILPOLICY_STATE to gs:\/\/BUCKET\/PREFIX/);
        expect(unset.status !== 0 || unset.outputs.exitcode === 'no-state').toBe(true);
        expect(unset.npxArgs).toBeUndefined();
      }
    } finally {
      sandbox.remove();
    }
  });
});

describe('examples/gitops workflows: which jobs run when', () => {
  it('applies on a merge to main and on demand, and hourly only while the last apply was pending', () => {
    expect(jobsFor(event('push'))).toEqual(['apply']);
    expect(jobsFor(event('workflow_dispatch', { inputs: { run: 'apply' } }))).toEqual(['apply']);
    const hourly = { github: { event_name: 'schedule', schedule: '41 * * * *', event: { schedule: '41 * * * *' } } };
    const hourlyEvent = { github: { ...hourly.github, ref: 'refs/heads/main' }, inputs: {} };
    expect(jobsFor({ ...hourlyEvent, needs: { pending: { outputs: { apply: 'true' } } } })).toEqual([
      'pending',
      'apply',
    ]);
    expect(jobsFor({ ...hourlyEvent, needs: { pending: { outputs: { apply: 'false' } } } })).toEqual(['pending']);
  });

  it('gives every schedule a job: drift nightly, doctor weekly with both keys', () => {
    const crons = (main.on.schedule as { cron: string }[]).map((s) => s.cron);
    const scheduled = (cron: string) =>
      jobsFor({
        github: { event_name: 'schedule', ref: 'refs/heads/main', event: { schedule: cron } },
        inputs: {},
        needs: {},
      });
    expect(Object.fromEntries(crons.map((c) => [c, scheduled(c)]))).toEqual({
      '17 4 * * *': ['drift'],
      '41 * * * *': ['pending'],
      '23 5 * * 1': ['doctor-read', 'doctor-write'],
    });
    const choices = (main.on.workflow_dispatch as { inputs: { run: { options: string[] } } }).inputs.run.options;
    const dispatched = Object.fromEntries(
      choices.map((run) => [run, jobsFor(event('workflow_dispatch', { inputs: { run } }))]),
    );
    expect(dispatched).toEqual({
      drift: ['drift'],
      apply: ['apply'],
      doctor: ['doctor-read', 'doctor-write'],
      'force-unlock': ['force-unlock'],
    });
  });

  it('serialises applies per tenant without cancelling one, and lets apply wait for a lock held elsewhere', () => {
    const group = { group: 'mail-policy-tenant-${{ vars.MAILPOLICY_STATE }}', 'cancel-in-progress': false };
    expect(main.jobs.apply.concurrency).toEqual(group);
    expect(main.jobs['force-unlock'].concurrency).toEqual(group);
    const sandbox = stepSandbox();
    try {
      const { npxArgs } = sandbox.run(findStep(main.jobs.apply, 'apply').run!, { exit: 0 });
      const at = npxArgs!.indexOf('--lock-timeout');
      expect(npxArgs!.slice(0, 3)).toEqual(['--no-install', 'mailpolicy', 'apply']);
      expect(at).toBeGreaterThan(0);
      expect(parseDuration('lock-timeout', npxArgs![at + 1])).toBeGreaterThanOrEqual(60_000);
      expect(npxArgs).toEqual(expect.arrayContaining(['--auto-approve', '--target', 'google']));
    } finally {
      sandbox.remove();
    }
  });
});

describe('examples/gitops workflows: exit codes', () => {
  let sandbox: StepSandbox;
  beforeEach(() => (sandbox = stepSandbox()));
  afterEach(() => sandbox.remove());

  it.each([
    [0, 0, undefined],
    [3, 0, /::warning title=mailpolicy apply: pending::Nothing failed, but changes are pending/],
    [4, 4, /::error title=mailpolicy apply: manual step::.*Admin-console steps/],
    [1, 1, /::error title=mailpolicy apply::mailpolicy apply exited with 1/],
    [127, 127, /exited with 127/],
    [137, 137, /exited with 137/],
  ])('apply exiting %i: the job step exits %i, the hourly run learns it', (code, status, annotation) => {
    const result = sandbox.run(findStep(main.jobs.apply, 'apply').run!, { exit: code });
    expect(result.status).toBe(status);
    if (annotation) expect(result.log).toMatch(annotation);
    else expect(result.log).not.toMatch(/::(warning|error)/);
    expect(readFileSync(join(sandbox.runnerTemp, 'mailpolicy-apply-status'), 'utf8').trim()).toBe(String(code));
    const decide = sandbox.run(findStep(main.jobs.pending, 'decide').run!, { exit: 0 });
    expect(decide.outputs.apply).toBe(code === 3 ? 'true' : 'false');
  });

  it.each([
    [0, 'success', 'no changes', '# plan\nNo changes.'],
    [2, 'success', 'changes to review', '# plan\n+ sendAs'],
    [0, 'failure', 'failed (empty)', ''],
    [2, 'failure', 'failed (empty)', ''],
    [1, 'failure', 'failed (1)', '# plan\n! unreadable'],
    [3, 'failure', 'failed (3)', '# plan (cut short)'],
    [4, 'failure', 'failed (4)', '# plan (cut short)'],
    [127, 'failure', 'failed (127)', '# plan (cut short)'],
    [137, 'failure', 'failed (137)', '# plan (cut short)'],
  ])(
    'plan exiting %i: commit status %s (%s), a comment with text, the job fails unless 0 or 2',
    async (code, state, description, out) => {
      const job = planWorkflow.jobs.plan;
      const env = { SYNTH_CONCLUSION: 'success', MAILPOLICY_STATE: STATE };
      mkdirSync(join(sandbox.runnerTemp, 'manifests', 'mail-policy'), { recursive: true });
      writeFileSync(join(sandbox.runnerTemp, 'manifests', 'mail-policy', 'mail-policy.json'), '{}');
      const plan = sandbox.run(findStep(job, 'plan').run!, { exit: code, stdout: out }, env);
      expect(plan.status).toBe(0);
      expect(plan.npxArgs).toEqual(expect.arrayContaining(['--manifest', '--detailed-exitcode', '--all']));
      const exitcode = plan.outputs.exitcode;
      const steps = { plan: { outputs: { exitcode } } };
      const post = job.steps.find((s) => s.uses?.startsWith('actions/github-script'))!;
      expect(runs(post.if, { steps })).toBe(true);
      const calls = await runGithubScript(
        String(post.with!.script),
        {
          EXIT_CODE: exitcode,
          RUN_URL: 'https://github.com/acme/mail-policy/actions/runs/1',
          HEAD_SHA: 'abcdef1234',
          PR_NUMBER: '7',
        },
        sandbox.dir,
      );
      expect(calls.statuses).toEqual([{ state, description, context: 'mail-policy / plan' }]);
      expect(calls.comments).toHaveLength(1);
      const text = calls.comments[0].body.split('\n').slice(1).join('\n');
      expect(text).toMatch(state === 'success' ? /^# plan/ : /No plan|The plan failed/);
      const fail = job.steps.find((s) => s.name === 'Fail unless the plan succeeded')!;
      expect(runs(fail.if, { steps })).toBe(state === 'failure');
    },
  );

  it('posts "No plan" and a failed status when the job failed before planning, never for a cancelled run', async () => {
    const job = planWorkflow.jobs.plan;
    const post = job.steps.find((s) => s.uses?.startsWith('actions/github-script'))!;
    expect(runs(post.if, {}, { success: false, failure: true, cancelled: false })).toBe(true);
    expect(runs(post.if, {}, { success: false, failure: false, cancelled: true })).toBe(false);
    const calls = await runGithubScript(
      String(post.with!.script),
      { EXIT_CODE: '', RUN_URL: 'u', HEAD_SHA: 'abcdef1', PR_NUMBER: '7' },
      sandbox.dir,
    );
    expect(calls.statuses[0]).toMatchObject({ state: 'failure', description: 'failed (before planning)' });
    expect(calls.comments[0].body).toMatch(/No plan\*\*: the plan job failed before/);
  });

  it.each([
    ['doctor-read', 'read'],
    ['doctor-write', 'write'],
  ])('%s runs doctor --access %s into the job summary, and fails when a check fails', (id, access) => {
    const job = main.jobs[id];
    expect(secretsOf(job)).toEqual([access === 'read' ? 'MAILPOLICY_READONLY_KEY' : 'MAILPOLICY_WRITE_KEY']);
    const step = findStep(job, 'mailpolicy doctor');
    const ok = sandbox.run(step.run!, { exit: 0, stdout: '## ✅ mailpolicy doctor: nothing blocks the first apply' });
    expect(ok.status).toBe(0);
    expect(ok.npxArgs).toEqual(expect.arrayContaining(['doctor', '--access', access, '--format', 'markdown']));
    expect(ok.npxArgs![ok.npxArgs!.indexOf('--access') + 1]).toBe(access);
    expect(ok.summary).toContain('mailpolicy doctor: nothing blocks');
    const blocked = sandbox.run(step.run!, {
      exit: 1,
      stdout: '## ❌ mailpolicy doctor: 1 check blocks the first apply',
    });
    expect(blocked.status).toBe(1);
    expect(blocked.summary).toContain('1 check blocks');
    const crashed = sandbox.run(step.run!, { exit: 127 });
    expect(crashed.status).toBe(127);
    expect(crashed.summary).toContain('exited with 127 before it wrote a report');
  });

  it('force-unlock takes the lock id from the input through env, after an end of options', () => {
    const step = findStep(main.jobs['force-unlock'], 'mailpolicy force-unlock');
    expect(step.env).toEqual({ LOCK_ID: '${{ inputs.lock-id }}' });
    const result = sandbox.run(step.run!, { exit: 0 }, { LOCK_ID: '--state=file:/tmp/x' });
    expect(result.npxArgs).toEqual(['--no-install', 'mailpolicy', 'force-unlock', '--', '--state=file:/tmp/x']);
    const missing = sandbox.run(step.run!, { exit: 0 }, { LOCK_ID: '' });
    expect(missing.status).toBe(1);
    expect(missing.npxArgs).toBeUndefined();
  });
});
