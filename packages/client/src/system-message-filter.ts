import type { NamespaceName, SystemMessage } from '@ws/protocol';

const REMEMBERED = 32;

/**
 * One broadcast reaches every connected namespace: each `system.message` is delivered once. A message is
 * the same broadcast when its type, timestamp and text match one heard on another namespace; heard again
 * on the same namespace, the server said it twice.
 */
export class SystemMessageFilter {
  /** Recent messages → the namespaces that delivered them, oldest first. */
  readonly #recent = new Map<string, Set<NamespaceName>>();

  /** True when `message` (heard on `ns`) is new. */
  first_(ns: NamespaceName, message: SystemMessage): boolean {
    const key = `${message.type}|${message.timestamp}|${message.message}`;
    const seenOn = this.#recent.get(key);
    if (seenOn && !seenOn.has(ns)) {
      seenOn.add(ns);
      return false;
    }
    this.#recent.delete(key);
    this.#recent.set(key, new Set([ns]));
    if (this.#recent.size > REMEMBERED) this.#recent.delete(this.#recent.keys().next().value as string);
    return true;
  }
}
