/**
 * What the first apply depends on besides Google's answers: the stack's state can be read (apply locks and
 * writes it), and whether the "Allow per-user outbound gateways" setting will be written through the Policy API
 * or by a person. Google's Policy API writes only settings marked "Mutate supported", no source lists this
 * setting among them, and create/patch take no validate-only parameter, so doctor cannot find out without
 * writing: unless an earlier apply learnt it (the state), the answer is "unknown" and says what apply does.
 */
import { GATEWAY_CONSOLE_PATH } from '../engine/diff-gateway-policies';
import { ErrorCodes } from '../model/errors';
import type { Manifest } from '../model/manifest';
import type { DoctorCheck } from './doctor-report';

/** What doctor needs to know of a stack's state. */
export interface StateFacts {
  /** Where the state lives, for messages (`file:…`, `gs://…`). */
  readonly where: string;
  /** No state yet: the first apply creates it. */
  readonly missing: boolean;
  /** Objects the state manages. */
  readonly objects: number;
  /** An earlier apply saw Google refuse a gateway-policy write on this tenant. */
  readonly policyWritesRefused: boolean;
}

/** Reads the state of one stack (never locks, never writes). */
export type StateReader = (stack: string) => Promise<StateFacts>;

export async function checkState(
  stack: string,
  read: StateReader,
): Promise<{ check: DoctorCheck; facts?: StateFacts }> {
  const id = `apply.state:${stack}`;
  const title = `state of stack ${stack}`;
  try {
    const facts = await read(stack);
    const what = facts.missing
      ? 'none yet: the first apply creates it'
      : `${facts.objects} managed object${facts.objects === 1 ? '' : 's'}`;
    return { check: { id, group: 'apply', status: 'ok', title, detail: `${facts.where}: ${what}` }, facts };
  } catch (error) {
    return {
      check: {
        id,
        group: 'apply',
        status: 'fail',
        title,
        detail: `cannot be read: ${(error as Error)?.message ?? String(error)}`,
        fix: 'fix the state backend (--state URL or MAILPOLICY_STATE): apply takes its lock and writes it',
        code: ErrorCodes.STATE_BACKEND,
      },
    };
  }
}

/** Whether the code writes gateway policies at all (declared ones, or an exclusive gateway-policy scope). */
function writesGatewayPolicies(manifest: Manifest): boolean {
  return manifest.gatewayPolicies.length > 0 || manifest.ownership.some((o) => o.kind === 'gatewayPolicies');
}

const APPLY_MANUAL =
  `apply shows each change as a manual step (${GATEWAY_CONSOLE_PATH} › Allow per-user outbound gateways, per OU), ` +
  'skips the identities that need it (exit 4) and, with --wait-for-manual 30m, waits until the setting shows before creating them';

/**
 * Whether the gateway setting can be written through the Policy API. `choice` is `--gateway-writes` (or its
 * variable); `refused` whether any stack's state recorded a refusal.
 */
export function checkGatewayWrites(
  manifests: readonly Manifest[],
  choice: 'api' | 'manual' | undefined,
  refused: boolean,
): DoctorCheck {
  const id = 'apply.gateway-writes';
  const title = 'gateway setting through the Policy API';
  const base = { id, group: 'apply' as const, title };
  if (!manifests.some(writesGatewayPolicies)) {
    return { ...base, status: 'ok', detail: 'not needed: the code sets no "Allow per-user outbound gateways" policy' };
  }
  if (choice === 'manual') {
    return {
      ...base,
      status: 'warn',
      detail: 'written by a person, as --gateway-writes manual (or MAILPOLICY_GATEWAY_WRITES) says',
      fix: `nothing to do before apply: ${APPLY_MANUAL}`,
    };
  }
  if (refused && choice !== 'api') {
    return {
      ...base,
      status: 'warn',
      detail: 'refused on this tenant: an earlier apply saw the Policy API refuse the write (recorded in the state)',
      fix: `nothing to do before apply: ${APPLY_MANUAL}`,
    };
  }
  return {
    ...base,
    status: 'warn',
    detail:
      'unknown until apply tries: Google writes only settings marked "Mutate supported" and no source says this one is; ' +
      'policies.create and patch have no validate-only mode, so doctor does not write to find out',
    fix:
      `nothing to do before apply: apply tries the API first; if Google refuses, ${APPLY_MANUAL}, and records the refusal ` +
      'so later plans show the manual steps at once (--gateway-writes manual skips the attempt)',
  };
}
