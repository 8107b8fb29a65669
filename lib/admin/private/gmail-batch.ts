/**
 * Many users' `sendAs.list` through Gmail's batch endpoint (`POST /batch/gmail/v1`): one HTTP request carries
 * up to `partsPerBatch` calls, each with its own user's `Authorization`. Each part still costs its own quota
 * ("a set of n requests batched together counts toward your usage limit as n requests") and its own token
 * exchange (domain-wide delegation: one token per user); what the batch saves is an HTTP request and the
 * generated client's work per call, the largest CPU cost after the token signature.
 *
 * Per part: a 2xx is parsed, an error is mapped to the same `AdminApiError` as the single call, and a retryable
 * one (429, 5xx, rate-limit 403s, a part missing from the answer) is sent again in a later batch with the other
 * retryable parts only, after the same backoff and deadline as a single call. A failed batch request (network,
 * 429, 5xx) retries all its parts; a batch the server refuses outright, or an answer that is not a batch answer,
 * falls back to single calls for its parts.
 */
import type { Gaxios } from 'gaxios';
import type { gmail_v1 } from '@googleapis/gmail';
import { acquire } from '../rate-limiter';
import { backoffDelay, type RetryVerdict } from '../retry';
import type { SendAsRecord } from '../workspace-admin';
import { mapLimited } from '../../util/concurrency';
import { buildBatchRequest, parseBatchResponse, type BatchResponsePart } from './batch-multipart';
import type { CallRunner, PreparedCall } from './call-runner';
import { exhaustedError, readFailure, retryVerdict, toAdminApiError, type FailureFacts } from './error-mapping';
import { toSendAs } from './records';

const METHOD = 'gmail.users.settings.sendAs.list';
/** Google caps a batch at 100 calls and recommends at most 50 for Gmail. */
export const MAX_BATCH_PARTS = 100;
export const DEFAULT_BATCH_PARTS = 50;
/** Batches are not made smaller than this to spread few users over the concurrency slots. */
export const MIN_SPREAD_PARTS = 10;

export interface SendAsBatchDeps {
  readonly runner: CallRunner;
  readonly transporter: Gaxios;
  /** `https://gmail.googleapis.com/batch/gmail/v1`, or the emulator's. */
  readonly batchUrl: string;
  /** The single call, for parts of a batch the server would not take. */
  readonly single: (userEmail: string) => Promise<SendAsRecord[]>;
  /**
   * Most calls in one batch. Fewer users than `partsPerBatch` × the client's concurrency are spread over more,
   * smaller batches (not below `MIN_SPREAD_PARTS`), so they use every slot instead of waiting on a few long
   * batches. @default DEFAULT_BATCH_PARTS
   */
  readonly partsPerBatch?: number;
}

interface Pending {
  readonly index: number;
  readonly user: string;
  readonly call: PreparedCall;
  readonly token: string;
}

type Settled = PromiseSettledResult<SendAsRecord[]>;

/** Each user's send-as list, settled in input order. */
export async function listSendAsBatched(deps: SendAsBatchDeps, users: readonly string[]): Promise<Settled[]> {
  const most = Math.min(MAX_BATCH_PARTS, Math.max(1, Math.floor(deps.partsPerBatch ?? DEFAULT_BATCH_PARTS)));
  const spread = Math.ceil(users.length / Math.max(1, deps.runner.concurrency));
  const size = Math.min(most, Math.max(MIN_SPREAD_PARTS, spread));
  const results = new Array<Settled>(users.length);
  const chunks: number[][] = [];
  for (let i = 0; i < users.length; i += size) chunks.push(users.slice(i, i + size).map((_, j) => i + j));
  // Each chunk's token exchanges and batch request take the client's concurrency slots one request each.
  await mapLimited(chunks, deps.runner.concurrency, async (chunk) => {
    const ready: Pending[] = [];
    await Promise.all(
      chunk.map(async (index) => {
        try {
          const call = deps.runner.prepare(METHOD, users[index]);
          ready.push({ index, user: users[index], call, token: await deps.runner.accessToken(call) });
        } catch (error) {
          results[index] = { status: 'rejected', reason: error };
        }
      }),
    );
    ready.sort((a, b) => a.index - b.index);
    await runChunk(deps, ready, results);
  });
  return results;
}

async function runChunk(deps: SendAsBatchDeps, first: readonly Pending[], results: Settled[]): Promise<void> {
  const { runner } = deps;
  const env = runner.env;
  const deadline = runner.retryOptions.deadlineMs ?? 120_000;
  const start = env.now();
  let pending = first;
  for (let attempt = 0; pending.length > 0; attempt++) {
    for (const part of pending) await acquire(part.call.charges, env);
    const outcome = await sendBatch(deps, pending);
    if (outcome.kind === 'refused') {
      // Single calls take the runner's concurrency slots one each, so this stays bounded.
      const settled = await Promise.allSettled(pending.map((part) => deps.single(part.user)));
      settled.forEach((result, i) => (results[pending[i].index] = result));
      return;
    }
    const again: Array<{ part: Pending; facts?: FailureFacts; verdict: RetryVerdict & { retry: true } }> = [];
    pending.forEach((part, i) => {
      const answer = outcome.kind === 'failed' ? outcome.failure : outcome.answers[i];
      if (answer.kind === 'ok') {
        results[part.index] = { status: 'fulfilled', value: answer.value };
        return;
      }
      const verdict = answer.verdict;
      if (verdict.retry) again.push({ part, facts: answer.facts, verdict });
      else results[part.index] = { status: 'rejected', reason: answer.error(part) };
    });
    if (again.length === 0) return;
    const elapsedMs = env.now() - start;
    const random = env.random();
    const delay = Math.max(
      ...again.map((a) => backoffDelay(attempt, runner.retryOptions, random, a.verdict.retryAfterMs)),
    );
    if (elapsedMs + delay > deadline) {
      for (const a of again) {
        const reason = exhaustedError(a.facts, a.part.call.ctx, attempt + 1, elapsedMs);
        results[a.part.index] = { status: 'rejected', reason };
      }
      return;
    }
    for (let i = 0; i < again.length; i++) runner.countRetry(METHOD);
    await env.sleep(delay);
    pending = again.map((a) => a.part);
  }
}

interface PartFailure {
  readonly kind: 'error';
  readonly facts?: FailureFacts;
  readonly verdict: RetryVerdict;
  readonly error: (part: Pending) => Error;
}

type PartAnswer = { readonly kind: 'ok'; readonly value: SendAsRecord[] } | PartFailure;

/** The batch answered (each part its own answer), failed as a whole (every part this failure), or was refused. */
type BatchOutcome =
  | { readonly kind: 'answered'; readonly answers: readonly PartAnswer[] }
  | { readonly kind: 'failed'; readonly failure: PartFailure }
  | { readonly kind: 'refused' };

async function sendBatch(deps: SendAsBatchDeps, parts: readonly Pending[]): Promise<BatchOutcome> {
  const { runner } = deps;
  const request = buildBatchRequest(
    parts.map((part) => ({
      id: `item-${part.index}`,
      method: 'GET',
      path: `/gmail/v1/users/${encodeURIComponent(part.user)}/settings/sendAs`,
      headers: { Authorization: `Bearer ${part.token}` },
    })),
  );
  let status: number;
  let contentType: string | null;
  let text: string;
  try {
    for (let i = 0; i < parts.length; i++) runner.count(METHOD);
    const res = await runner.slot(
      () =>
        deps.transporter.request<string>({
          url: deps.batchUrl,
          method: 'POST',
          headers: { 'content-type': request.contentType },
          data: request.body,
          responseType: 'text',
          retry: false,
        }),
      true,
    );
    status = res.status;
    contentType = res.headers.get('content-type');
    text = res.data;
  } catch (error) {
    const facts = readFailure(error, runner.env.now());
    const verdict = retryVerdict(facts);
    // Not retryable (the batch endpoint is not served, or a bug of ours): the parts go one by one.
    if (!verdict.retry) return { kind: 'refused' };
    return {
      kind: 'failed',
      failure: { kind: 'error', facts, verdict, error: (part) => runner.mapError(error, part.call.ctx) },
    };
  }
  let answers: BatchResponsePart[];
  try {
    answers = parseBatchResponse(contentType, text);
  } catch {
    return { kind: 'refused' };
  }
  if (status < 200 || status >= 300) return { kind: 'refused' };
  const byId = new Map<string, BatchResponsePart>();
  for (const answer of answers) if (answer.id !== undefined) byId.set(answer.id, answer);
  const ordered = byId.size === answers.length;
  return {
    kind: 'answered',
    answers: parts.map((part, i) => readAnswer(ordered ? byId.get(`item-${part.index}`) : answers[i], runner)),
  };
}

function readAnswer(answer: BatchResponsePart | undefined, runner: CallRunner): PartAnswer {
  if (!answer) {
    // A part the server did not answer: lost, like a dropped connection.
    const facts: FailureFacts = { network: 'ECONNRESET', message: 'the batch answer left this call out', oauth: false };
    return { kind: 'error', facts, verdict: { retry: true }, error: (part) => toAdminApiError(facts, part.call.ctx) };
  }
  if (answer.status >= 200 && answer.status < 300) {
    try {
      const data = JSON.parse(answer.body) as gmail_v1.Schema$ListSendAsResponse;
      return { kind: 'ok', value: (data.sendAs ?? []).map(toSendAs) };
    } catch {
      const facts: FailureFacts = { status: 502, message: 'a batch part answered 2xx without JSON', oauth: false };
      return { kind: 'error', facts, verdict: { retry: true }, error: (part) => toAdminApiError(facts, part.call.ctx) };
    }
  }
  const response = { status: answer.status, data: answer.body, headers: answer.headers };
  const facts = readFailure({ response }, runner.env.now());
  return {
    kind: 'error',
    facts,
    verdict: retryVerdict(facts),
    error: (part) => runner.mapError({ response }, part.call.ctx),
  };
}
