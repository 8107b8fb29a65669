import { orgUnitAncestry, orgUnitKey } from './org-unit-path';

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
 * `effectiveGateway` for many OUs against the same explicit values: the values are keyed once, so each lookup
 * costs the OU's depth only.
 */
export function effectiveGatewayResolver(
  explicit: ReadonlyMap<string, boolean>,
): (orgUnitPath: string) => EffectiveGateway {
  const byKey = new Map<string, [string, boolean]>();
  for (const [path, value] of explicit) byKey.set(orgUnitKey(path), [path, value]);
  return (orgUnitPath) => {
    for (const candidate of orgUnitAncestry(orgUnitPath)) {
      const hit = byKey.get(orgUnitKey(candidate));
      if (hit) return { allowed: hit[1], decidedBy: hit[0] };
    }
    return { allowed: false };
  };
}
