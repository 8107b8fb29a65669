import type { Manifest, ValidationIssue } from '../../model';
import { normaliseEmail, orgUnitKey } from '../../model';

interface Claim {
  readonly key: string;
  readonly what: string;
  readonly jsonPath: string;
  readonly field: string;
  readonly value: unknown;
  readonly constructPath?: string;
}

/** The objects a manifest declares as its own: managed OUs, gateway policies, user placements, send-as identities. */
function claimsOf(m: Manifest): Claim[] {
  const out: Claim[] = [];
  m.orgUnits.forEach((o, i) => {
    if (!o.managed || typeof o.path !== 'string') return;
    out.push({
      key: `ou\n${orgUnitKey(o.path)}`,
      what: 'the OU',
      jsonPath: `$.orgUnits[${i}].path`,
      field: 'path',
      value: o.path,
      constructPath: o.constructPath,
    });
  });
  m.gatewayPolicies.forEach((p, i) => {
    if (typeof p.orgUnitPath !== 'string') return;
    out.push({
      key: `gw\n${orgUnitKey(p.orgUnitPath)}`,
      what: 'the gateway policy of',
      jsonPath: `$.gatewayPolicies[${i}].orgUnitPath`,
      field: 'orgUnitPath',
      value: p.orgUnitPath,
      constructPath: p.constructPath,
    });
  });
  m.users.forEach((u, i) => {
    if (u.orgUnitPath === undefined || typeof u.email !== 'string') return;
    out.push({
      key: `user\n${normaliseEmail(u.email)}`,
      what: 'the OU placement of',
      jsonPath: `$.users[${i}].orgUnitPath`,
      field: 'orgUnitPath',
      value: u.email,
      constructPath: u.constructPath,
    });
  });
  m.sendAs.forEach((s, i) => {
    if (typeof s.userEmail !== 'string' || typeof s.sendAsEmail !== 'string') return;
    out.push({
      key: `sendAs\n${normaliseEmail(s.userEmail)}\n${normaliseEmail(s.sendAsEmail)}`,
      what: `the send-as identity of ${s.userEmail}:`,
      jsonPath: `$.sendAs[${i}].sendAsEmail`,
      field: 'sendAsEmail',
      value: s.sendAsEmail,
      constructPath: s.constructPath,
    });
  });
  return out;
}

interface Holder {
  readonly manifest: Manifest;
  readonly constructPath?: string;
}

/**
 * Every object the stacks of one app declare, indexed once: each stack's duplicates are then found in time
 * proportional to its own size, not to the app's. Two stacks managing one object would undo each other's
 * changes at every apply.
 */
export class ClaimIndex {
  private readonly holders = new Map<string, Holder[]>();

  /** Indexes the manifests of every stack of the app, in app order. */
  public constructor(manifests: readonly Manifest[]) {
    for (const manifest of manifests) {
      for (const claim of claimsOf(manifest)) {
        // The first holder, and the first of another stack: enough to answer for any stack, in O(1).
        const list = this.holders.get(claim.key);
        const holder = { manifest, constructPath: claim.constructPath };
        if (!list) this.holders.set(claim.key, [holder]);
        else if (list.length === 1 && list[0].manifest !== manifest) list.push(holder);
      }
    }
  }

  /** Objects of `own` (one of the indexed manifests) that another stack of the app also declares. */
  public duplicatesOf(own: Manifest): ValidationIssue[] {
    const out: ValidationIssue[] = [];
    for (const claim of claimsOf(own)) {
      const hit = this.holders.get(claim.key)?.find((h) => h.manifest !== own);
      if (!hit) continue;
      out.push({
        code: 'MPV-DUPLICATE-ACROSS-STACKS',
        jsonPath: claim.jsonPath,
        constructPath: claim.constructPath,
        field: claim.field,
        value: claim.value,
        allowed: 'each object declared by one stack of the app (reference it elsewhere with fromPath / fromEmail)',
        message: `${claim.what} ${JSON.stringify(claim.value)} is also declared by stack '${hit.manifest.stack}' at ${hit.constructPath ?? '(unknown path)'}`,
      });
    }
    return out;
  }
}
