import { importablePlainFields } from '../model/send-as-fields';
import type { Finding } from '../model/findings';
import { formatValidationIssue } from '../model/findings';
import type { Manifest } from '../model/manifest';
import { ROOT_PATH } from '../model/org-unit-path';
import { runRulePack } from '../model/rules';
import { validateManifest } from '../model/validate-manifest';
import type { ImportedTenant } from './imported-tenant';
import { buildAppModel, manifestOf, type AppModel, type IdentityNode, type OrgUnitNode } from './private/app-model';
import { commentText, tsString } from './private/identifiers';

/** Options of `generateApp`. */
export interface GenerateAppOptions {
  /**
   * Name of the one `TerraformStack` (and of the manifest's `stack`).
   *
   * @default 'mail-policy'
   */
  readonly stackName?: string;
  /** The customer's own domains, primary first (see `tenantDomains`). */
  readonly domains: readonly string[];
  /**
   * Customer id written to `MailPolicy`.
   *
   * @default - not written: MailPolicy's default `my_customer`
   */
  readonly customerId?: string;
}

/** An environment variable the generated code reads for an SMTP credential Google never returns. */
export interface SecretVariable {
  readonly name: string;
  readonly purpose: 'username' | 'password';
  readonly userEmail: string;
  readonly sendAsEmail: string;
  readonly host: string;
}

export interface GeneratedApp {
  /** The TypeScript source of a complete cdktf app. */
  readonly source: string;
  /** Variables to set before synth and apply, in the order they appear in the source. */
  readonly secrets: readonly SecretVariable[];
  /** The manifest the source synthesises to (without construct paths and fingerprints). */
  readonly manifest: Manifest;
  /** Warning-level findings the tenant triggers today; the source acknowledges each so it synthesises as it is. */
  readonly acknowledged: readonly Finding[];
  /**
   * Problems that will stop synth until fixed (the tenant breaks a validation rule), and notes about
   * placements left out or guessed SMTP modes. Each also appears as a comment in the source.
   */
  readonly notes: readonly string[];
}

/** Reason written into every generated acknowledgement. */
export const IMPORT_ACK_REASON = 'found in the live tenant by mailpolicy import; review and fix or explain';

const MAX_LINE = 120;

/** `head(` + props + `)` on one line when it fits, else one prop per line. */
function call(indent: string, head: string, props: ReadonlyArray<readonly [string, string]>, tail = ');'): string[] {
  if (props.length === 0) return [`${indent}${head}${tail}`];
  const inline = `${indent}${head}{ ${props.map(([k, v]) => `${k}: ${v}`).join(', ')} }${tail}`;
  if (inline.length <= MAX_LINE && !inline.includes('\n')) return [inline];
  return [`${indent}${head}{`, ...props.map(([k, v]) => `${indent}  ${k}: ${v},`), `${indent}}${tail}`];
}

const SECURITY_MODE: Record<string, string> = {
  ssl: 'SecurityMode.SSL',
  starttls: 'SecurityMode.STARTTLS',
  none: 'SecurityMode.NONE',
};

function identityLines(userVariable: string, identity: IdentityNode): string[] {
  const s = identity.sendAs;
  const lines: string[] = [];
  if (identity.smtp?.guessedMode) {
    lines.push(
      `// Gmail reports no security mode for this SMTP endpoint; ${SECURITY_MODE[identity.smtp.securityMode]} is a guess from port ${identity.smtp.port}: check it.`,
    );
  }
  lines.push(`new SendAsIdentity(policy, ${tsString(identity.constructId)}, {`);
  lines.push(`  user: ${userVariable},`);
  lines.push(`  sendAsEmail: ${tsString(s.sendAsEmail)},`);
  for (const { prop, value } of importablePlainFields(s)) {
    lines.push(`  ${prop}: ${typeof value === 'string' ? tsString(value) : String(value)},`);
  }
  if (identity.smtp) {
    lines.push('  smtp: {');
    lines.push(`    host: ${tsString(identity.smtp.host)},`);
    lines.push(`    port: ${Number.isFinite(identity.smtp.port) ? identity.smtp.port : 0},`);
    lines.push(`    securityMode: ${SECURITY_MODE[identity.smtp.securityMode]},`);
    lines.push(`    username: Secret.fromEnv(${tsString(identity.smtp.usernameEnv)}),`);
    lines.push(`    password: Secret.fromEnv(${tsString(identity.smtp.passwordEnv)}),`);
    lines.push('  },');
  }
  lines.push('});');
  return lines;
}

function orgUnitLines(node: OrgUnitNode): string[] {
  const ou = node.ou;
  if (!ou) return [];
  const props: Array<[string, string]> = [['name', tsString(ou.name)]];
  if (node.parent) props.push(['parent', node.parent.variable]);
  if (ou.description !== undefined) props.push(['description', tsString(ou.description)]);
  const head = `${node.referenced ? `const ${node.variable} = ` : ''}new OrgUnit(policy, ${tsString(node.constructId)}, `;
  return call('', head, props);
}

function render(
  model: AppModel,
  acknowledged: readonly Finding[],
  problems: readonly string[],
  source?: string,
): string {
  const used = new Set<string>(['MailPolicy']);
  const body: string[] = [];
  const section = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    body.push('', `// ${title}`, ...lines);
  };

  const policyProps: Array<[string, string]> = [['domains', `[${model.domains.map(tsString).join(', ')}]`]];
  if (model.customerId !== undefined) policyProps.push(['customerId', tsString(model.customerId)]);

  if (acknowledged.length > 0) {
    const lines = ['// Review each one: fix it in the tenant and the code, or replace the reason with your own.'];
    for (const f of acknowledged) {
      lines.push(`policy.acknowledge(${tsString(f.ruleId)}, ${tsString(IMPORT_ACK_REASON)}, ${tsString(f.subject)});`);
    }
    section(
      'Findings of the rule pack that the tenant triggers today, accepted so this file synthesises as it is.',
      lines,
    );
  }

  const ouLines: string[] = [];
  if (model.top.referenced) {
    used.add('OrgUnit');
    const what = model.top.path === ROOT_PATH ? 'The root OU' : `The imported subtree's top OU`;
    ouLines.push(`// ${what} exists already and is not managed here.`);
    ouLines.push(
      `const ${model.top.variable} = OrgUnit.fromPath(policy, ${tsString(model.top.constructId)}, ${tsString(model.top.path)});`,
    );
  }
  const referenced = model.referencedOrgUnits.filter((node) => node.referenced);
  if (referenced.length > 0) {
    used.add('OrgUnit');
    ouLines.push('// Existing OUs the OUs below sit in; they are not managed here.');
    for (const node of referenced) {
      ouLines.push(
        `const ${node.variable} = OrgUnit.fromPath(policy, ${tsString(node.constructId)}, ${tsString(node.path)});`,
      );
    }
  }
  for (const node of model.orgUnits) {
    used.add('OrgUnit');
    ouLines.push(...orgUnitLines(node));
  }
  section('Organisational units, parents before children.', ouLines);

  const gatewayLines: string[] = [];
  for (const g of model.gateways) {
    used.add('OutboundGatewayPolicy');
    gatewayLines.push(
      ...call('', `new OutboundGatewayPolicy(policy, ${tsString(g.constructId)}, `, [
        ['orgUnit', g.orgUnit.variable],
        ['allowPerUserOutboundGateways', String(g.allow)],
      ]),
    );
  }
  section('"Allow per-user outbound gateways", only where an OU sets it explicitly.', gatewayLines);

  const userLines: string[] = [];
  for (const node of model.users) {
    used.add('User');
    if (node.identities.length > 0 && userLines.length > 0) userLines.push('');
    if (node.placementNote) userLines.push(`// ${commentText(`${node.user.email}: ${node.placementNote}.`)}`);
    const head = `${node.variable ? `const ${node.variable} = ` : ''}User.fromEmail(policy, ${tsString(node.constructId)}, ${tsString(node.user.email)}`;
    const options: Array<[string, string]> = [];
    if (node.orgUnit) options.push(['orgUnit', node.orgUnit.variable]);
    if (node.aliases.length > 0) {
      used.add('RemovalPolicy');
      options.push(['aliases', `[${node.aliases.map(tsString).join(', ')}]`]);
      options.push(['aliasRemovalPolicy', 'RemovalPolicy.RETAIN']);
    }
    if (options.length > 0) userLines.push(...call('', `${head}, `, options));
    else userLines.push(`${head});`);
    for (const identity of node.identities) {
      used.add('SendAsIdentity');
      if (identity.smtp) used.add('Secret').add('SecurityMode');
      userLines.push(...identityLines(node.variable as string, identity));
    }
  }
  section(
    'Users with their OU and aliases, and their send-as identities (primary addresses are not listed).',
    userLines,
  );

  const header = [
    '// Generated by `mailpolicy import`. Review it, then commit it: from now on this file is the mail policy.',
  ];
  if (source) header.push(`// Read from: ${commentText(source)}`);
  header.push(
    '// SMTP user names and passwords are never returned by Google: set the variables named in Secret.fromEnv(...)',
    '// before synth and apply (see docs/import.md).',
  );
  for (const problem of problems) header.push(`// FIX BEFORE SYNTH: ${commentText(problem)}`);

  const constructNames = [
    'MailPolicy',
    'OrgUnit',
    'OutboundGatewayPolicy',
    'RemovalPolicy',
    'Secret',
    'SecurityMode',
    'SendAsIdentity',
    'User',
  ];
  const imports = constructNames.filter((name) => used.has(name));
  const importLine = `import { ${imports.join(', ')} } from 'workspace-mail-policy';`;
  return [
    ...header,
    '',
    "import { App, TerraformStack } from 'cdktf';",
    ...(importLine.length <= MAX_LINE
      ? [importLine]
      : ['import {', ...imports.map((name) => `  ${name},`), "} from 'workspace-mail-policy';"]),
    '',
    'const app = new App();',
    `const stack = new TerraformStack(app, ${tsString(model.stackName)});`,
    ...call('', `const policy = new MailPolicy(stack, 'MailPolicy', `, policyProps),
    ...body,
    '',
    'app.synth();',
    '',
  ].join('\n');
}

/**
 * Writes the TypeScript source of a complete cdktf app (an `App`, one `TerraformStack`, a `MailPolicy`) that
 * declares `tenant` with the public constructs. Pure and deterministic: the same tenant and options give the
 * same bytes. SMTP credentials become `Secret.fromEnv` references with documented names (`secrets`).
 */
export function generateApp(tenant: ImportedTenant, options: GenerateAppOptions): GeneratedApp {
  const model = buildAppModel(tenant, {
    stackName: options.stackName ?? 'mail-policy',
    domains: [...options.domains],
    customerId: options.customerId,
  });
  const manifest = manifestOf(model);
  const acknowledged = runRulePack(manifest).filter((f) => f.level === 'warning');
  manifest.acknowledgements = acknowledged.map((f) => ({
    ruleId: f.ruleId,
    reason: IMPORT_ACK_REASON,
    subject: f.subject,
  }));
  const problems = validateManifest(manifest).map(formatValidationIssue);
  const errorFindings = runRulePack(manifest).filter((f) => f.level === 'error');
  problems.push(...errorFindings.map((f) => `${f.ruleId} ${f.subject}: ${f.message}`));
  const source = render(model, acknowledged, problems, tenant.source);

  const secrets: SecretVariable[] = [];
  const notes: string[] = [...problems];
  for (const node of model.users) {
    if (node.placementNote) notes.push(`${node.user.email}: ${node.placementNote}`);
    for (const identity of node.identities) {
      if (!identity.smtp) continue;
      const base = { userEmail: node.user.email, sendAsEmail: identity.sendAs.sendAsEmail, host: identity.smtp.host };
      secrets.push({ name: identity.smtp.usernameEnv, purpose: 'username', ...base });
      secrets.push({ name: identity.smtp.passwordEnv, purpose: 'password', ...base });
      if (identity.smtp.guessedMode) {
        notes.push(
          `${node.user.email} → ${identity.sendAs.sendAsEmail}: security mode guessed from port ${identity.smtp.port}`,
        );
      }
    }
  }
  return { source, secrets, manifest, acknowledged, notes };
}
