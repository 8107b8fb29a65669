import { orgUnitKey, parentOrgUnitPath } from './org-unit-path';

/**
 * The effective "Allow per-user outbound gateways" value for an OU: the explicit setting of the nearest OU on
 * the path from that OU to the root; with none set, Google's default, not allowed. Shared by synth-time
 * validation, plan-time findings and the emulator's documentation.
 */
export interface EffectiveGateway {
  readonly allowed: boolean;
  /** The OU whose explicit setting decided, or undefined when Google's default applies. */
  readonly decidedBy?: string;
}

/** Computes the effective setting from explicit per-OU values (keys are OU paths, any case). */
export function effectiveGateway(orgUnitPath: string, explicit: ReadonlyMap<string, boolean>): EffectiveGateway {
  return effectiveGatewayResolver(explicit)(orgUnitPath);
}

/**
 * `effectiveGateway` for many OUs against the same explicit values: the values are keyed once and each OU's
 * answer is remembered, so a tree of OUs costs about one lookup per OU.
 */
export function effectiveGatewayResolver(
  explicit: ReadonlyMap<string, boolean>,
): (orgUnitPath: string) => EffectiveGateway {
  const byKey = new Map<string, [string, boolean]>();
  for (const [path, value] of explicit) byKey.set(orgUnitKey(path), [path, value]);
  const known = new Map<string, EffectiveGateway>();
  return (orgUnitPath) => {
    const pending: string[] = [];
    let answer: EffectiveGateway = { allowed: false };
    // Nearest first, one parent at a time: most walks stop at the first remembered ancestor.
    for (let path: string | undefined = orgUnitPath; path !== undefined; path = parentOrgUnitPath(path)) {
      const candidate = orgUnitKey(path);
      const remembered = known.get(candidate);
      if (remembered) {
        answer = remembered;
        break;
      }
      const hit = byKey.get(candidate);
      if (hit) {
        answer = { allowed: hit[1], decidedBy: hit[0] };
        pending.push(candidate);
        break;
      }
      pending.push(candidate);
    }
    for (const key of pending) known.set(key, answer);
    return answer;
  };
}
