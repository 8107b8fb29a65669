/**
 * Runs one API call with everything the client promises: least-privilege token per call family, client-side
 * rate limits, bounded concurrency, retry with backoff and a deadline, error mapping, and counters.
 */
import type { JWT } from 'google-auth-library';
import { AdminApiError } from '../admin-error';
import { acquire, BucketMap, TokenBucket, type BucketCharge } from '../rate-limiter';
import { runWithRetry, type RetryEnvironment, type RetryOptions } from '../retry';
import { familyScopes, METHODS, requiredScope, scopeName, type GmailReadScope, type MethodId } from '../scopes';
import type { AccessLevel, AdminStats } from '../workspace-admin';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from '../workspace-admin-options';
import { Semaphore } from '../../util/concurrency';
import type { AuthClientCache } from './auth-clients';
import { exhaustedError, readFailure, retryVerdict, toAdminApiError, type CallContext } from './error-mapping';

export interface CallRunnerProps {
  readonly access: AccessLevel;
  /** The scope send-as reads use at read access. @default 'basic' */
  readonly gmailReadScope?: GmailReadScope;
  readonly auth: AuthClientCache;
  readonly clientId?: string;
  readonly concurrency: number;
  readonly rateLimit: RateLimitOptions;
  readonly retry: RetryOptions;
  readonly env: RetryEnvironment;
}

export class CallRunner {
  private readonly semaphore: Semaphore;
  private readonly gmailProject: TokenBucket;
  private readonly gmailUsers: BucketMap;
  private readonly directory: TokenBucket;
  private readonly policy: TokenBucket;
  private readonly calls: Record<string, number> = {};
  private readonly retries: Record<string, number> = {};

  public constructor(private readonly props: CallRunnerProps) {
    this.semaphore = new Semaphore(props.concurrency);
    const limits = { ...DEFAULT_RATE_LIMITS, ...props.rateLimit };
    const clock = props.env;
    const bucket = (unitsPerMinute: number): TokenBucket =>
      new TokenBucket({ unitsPerMinute, burstSeconds: limits.burstSeconds }, clock);
    this.gmailProject = bucket(limits.gmailUnitsPerMinute);
    this.gmailUsers = new BucketMap(
      { unitsPerMinute: limits.gmailUserUnitsPerMinute, burstSeconds: limits.burstSeconds },
      clock,
    );
    this.directory = bucket(limits.directoryQueriesPerMinute);
    this.policy = bucket(limits.policyQueriesPerMinute);
  }

  public stats(): AdminStats {
    return { calls: { ...this.calls }, retries: { ...this.retries } };
  }

  /** Calls `fn` as `subject` with the token of the method's family; maps every failure to `AdminApiError`. */
  public async run<T>(method: MethodId, subject: string, fn: (auth: JWT) => Promise<T>): Promise<T> {
    const info = METHODS[method];
    const scopes = familyScopes(info.family, this.props.access, this.props.gmailReadScope);
    const ctx: CallContext = {
      method,
      subject,
      scopes: scopes.map(scopeName),
      requiredScope: requiredScope(method, this.props.access, this.props.gmailReadScope),
      write: info.write,
      clientId: this.props.clientId,
      adminCall: info.family !== 'sendAs',
    };
    if (info.write && this.props.access === 'read') {
      throw new AdminApiError(
        'permission',
        method,
        `this client was created with read access and asks only read-only scopes; ${method} needs write access (scope ${info.scope})`,
      );
    }
    const auth = this.props.auth.get(subject, scopes);
    const charges = this.charges(method, subject);
    const env = this.props.env;
    try {
      return await runWithRetry(
        async () => {
          await acquire(charges, env);
          return this.semaphore.run(async () => {
            this.calls[method] = (this.calls[method] ?? 0) + 1;
            return fn(auth);
          });
        },
        {
          retry: this.props.retry,
          env,
          classify: (error) => retryVerdict(readFailure(error, env.now())),
          onRetry: () => {
            this.retries[method] = (this.retries[method] ?? 0) + 1;
          },
          giveUp: ({ lastError, attempts, elapsedMs }) =>
            exhaustedError(readFailure(lastError, env.now()), ctx, attempts, elapsedMs),
        },
      );
    } catch (error) {
      throw this.mapError(error, ctx);
    }
  }

  private mapError(error: unknown, ctx: CallContext): AdminApiError {
    if (AdminApiError.isAdminApiError(error)) return error;
    const facts = readFailure(error, this.props.env.now());
    if (facts) return toAdminApiError(facts, ctx);
    // Not an HTTP failure: a key the library cannot sign with, or a bug. Only the message is kept (never the
    // request options, which may hold a request body).
    const message = error instanceof Error ? error.message : String(error);
    if (/private key|PEM|DECODER|asn1|no key or keyFile/i.test(message)) {
      return new AdminApiError(
        'credentials',
        ctx.method,
        `cannot sign a token request with the service-account key (${message})`,
      );
    }
    return new AdminApiError('invalid', ctx.method, `unexpected failure: ${message.slice(0, 300)}`);
  }

  private charges(method: MethodId, subject: string): BucketCharge[] {
    const info = METHODS[method];
    switch (info.family) {
      case 'sendAs':
        return [
          { bucket: this.gmailProject, cost: info.cost },
          { bucket: this.gmailUsers.get(subject.toLowerCase()), cost: info.cost },
        ];
      case 'policies':
        return [{ bucket: this.policy, cost: info.cost }];
      default:
        return [{ bucket: this.directory, cost: info.cost }];
    }
  }
}
