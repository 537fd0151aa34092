/**
 * A fix for local-aws-sqs 2.0.2: its visibility routine increments `ApproximateReceiveCount` whoever calls it, so a
 * ChangeMessageVisibility counts as one more receive and sends the message to the dead-letter queue early (a worker
 * that proves a delivery and sets a retry delay burns three "receives" per delivery). In SQS only ReceiveMessage
 * counts. This wraps the queue class's `changeVisibility` to take back the extra count.
 *
 * The emulator keeps its messages in module-private state; the record `changeVisibility` works on is only reachable
 * through the `find` it calls on its message list, synchronously, so that call is observed for its duration.
 * `sqs-receive-count.test.ts` fails if a future version changes any of this.
 */
interface MessageEntry {
  record: { MessageId?: string; attributes: { ApproximateReceiveCount?: string } };
}

const patched = new WeakSet<object>();

function isEntry(value: unknown): value is MessageEntry {
  return typeof (value as MessageEntry | undefined)?.record?.attributes === 'object';
}

export function keepReceiveCountOnVisibilityChange(queue: object): void {
  const prototype = Object.getPrototypeOf(queue) as { changeVisibility?: (...args: unknown[]) => unknown };
  if (patched.has(prototype) || typeof prototype.changeVisibility !== 'function') return;
  const original = prototype.changeVisibility;
  prototype.changeVisibility = function changeVisibility(this: unknown, ...args: unknown[]) {
    const find = Array.prototype.find;
    let changed: MessageEntry | undefined;
    // biome-ignore lint/suspicious/noExplicitAny: Array.prototype.find's own signature
    Array.prototype.find = function (this: unknown[], ...findArgs: any[]) {
      const found = find.apply(this, findArgs as [never]);
      if (isEntry(found)) changed = found;
      return found;
    } as typeof find;
    let result: unknown;
    try {
      result = original.apply(this, args);
    } finally {
      Array.prototype.find = find;
    }
    const count = Number(changed?.record.attributes.ApproximateReceiveCount);
    if (changed && count > 0) changed.record.attributes.ApproximateReceiveCount = String(count - 1);
    return result;
  };
  patched.add(prototype);
}
