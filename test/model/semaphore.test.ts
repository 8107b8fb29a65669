/**
 * The client's semaphore: FIFO hand-off, and a waiter that asks to go first is served before the queue
 * (a batch whose tokens are ready goes ahead of token exchanges waiting behind it).
 */
import { Semaphore } from '../../lib/util/concurrency';

test('waiters are served in order, callers that ask to go first ahead of them and in their own order', async () => {
  const semaphore = new Semaphore(1);
  const order: string[] = [];
  let release!: () => void;
  const held = semaphore.run(() => new Promise<void>((resolve) => (release = resolve)));
  const runs = [
    semaphore.run(async () => void order.push('a')),
    semaphore.run(async () => void order.push('b')),
    semaphore.run(async () => void order.push('first 1'), true),
    semaphore.run(async () => void order.push('c')),
    semaphore.run(async () => void order.push('first 2'), true),
  ];
  expect(semaphore.inUse).toBe(1);
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all([held, ...runs]);
  expect(order).toEqual(['first 1', 'first 2', 'a', 'b', 'c']);
  expect(semaphore.inUse).toBe(0);
});
