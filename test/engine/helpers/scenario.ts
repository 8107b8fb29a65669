import { diff } from '../../../lib/engine/diff';
import { emptyStackState, type StackState } from '../../../lib/state/stack-state';
import type { ObservedState } from '../../../lib/engine/observed-state';
import type { Plan } from '../../../lib/engine/plan';
import { emptyManifest, type Manifest } from '../../../lib/model/manifest';
import { credentialsFor, ok } from './converged';

export const TARGET = { kind: 'emulator' as const, description: 'embedded emulator (.mailpolicy/emulator.sqlite)' };

/** The partner-gateway example: an OU that allows gateways, one user placed there, one identity with SMTP. */
export function partnerManifest(): Manifest {
  return {
    ...emptyManifest('partner-gateway', ['example.com']),
    orgUnits: [{ path: '/Partners', name: 'Partners', parentPath: '/', managed: true, description: 'Partner senders' }],
    gatewayPolicies: [{ orgUnitPath: '/Partners', allowPerUserOutboundGateways: true }],
    users: [{ email: 'alice@example.com', orgUnitPath: '/Partners' }],
    sendAs: [
      {
        userEmail: 'alice@example.com',
        sendAsEmail: 'alice@partner.com',
        displayName: 'Alice (Partner)',
        smtp: {
          host: 'smtp.partner.com',
          port: 465,
          securityMode: 'ssl',
          username: 'alice',
          password: { ref: 'env:SMTP_PASSWORD' },
        },
      },
    ],
  };
}

/** A tenant with only the root OU and alice (primary address only) in `/`. */
export function emptyTenant(): ObservedState {
  return {
    orgUnits: ok([{ orgUnitId: 'root', orgUnitPath: '/', name: '' }]),
    gatewayPolicies: ok([]),
    users: { 'alice@example.com': ok({ primaryEmail: 'alice@example.com', orgUnitPath: '/' }) },
    sendAs: { 'alice@example.com': ok([{ sendAsEmail: 'alice@example.com', isPrimary: true, isDefault: true }]) },
    scopeMembers: {},
    policyWrites: 'api',
  };
}

/** An empty state of a stack that has been applied before (so nothing is "missing"). */
export function noState(): StackState {
  return emptyStackState('test', '00000000-0000-4000-8000-000000000000');
}

export function plan(manifest: Manifest, observed: ObservedState, state: StackState = noState()): Plan {
  return diff({ manifest, observed, state, credentials: credentialsFor(manifest), target: TARGET });
}
