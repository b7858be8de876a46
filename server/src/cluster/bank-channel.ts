/**
 * The per-bank command channel: a message for a bank's controller goes to
 * the instance that holds the bank's lease (leases.ts), wherever it is, and
 * only that instance listens. Built on the Bus (in-process or Redis) and the
 * leases, so it works alike in both modes.
 *
 * - `claim(bankId, holder, handlers)` acquires the lease and, when it is
 *   granted, listens on the bank's topic for messages addressed to this
 *   connection. If it replaced a holder, that holder is told (`onReplaced` on
 *   its instance: close its socket with 4000). `release()` stops listening
 *   and releases the lease; call it when the socket closes.
 * - `send(bankId, message)` reads the lease: nobody holds it → `{ delivered:
 *   false }` (the bank is offline for commands, decided the same on every
 *   instance); otherwise the message is published addressed to the holding
 *   connection → `{ delivered: true, holder }`. Delivery itself is at most
 *   once (Bus): commands stay stored and are re-sent when a controller
 *   (re)subscribes, as PROTOCOL.md 5 says; this channel only carries them
 *   to the socket now.
 */
import type { Bus } from '../bus/index.js';
import type { AcquireResult, BankLeases, LeaseHolder } from './leases.js';

export const bankChannelTopic = (bankId: string) => `bank-channel:${bankId}`;

type ChannelMessage<T> =
  { kind: 'message'; to: string; message: T } | { kind: 'replaced'; to: string; by: LeaseHolder };

export interface BankChannelHandlers<T> {
  onMessage(message: T): void;
  /** Another connection (on any instance) now holds the bank: close this one with 4000. */
  onReplaced?(by: LeaseHolder): void;
}

export type SendResult = { delivered: true; holder: LeaseHolder } | { delivered: false };

export interface BankChannel<T> {
  claim(
    bankId: string,
    holder: LeaseHolder,
    handlers: BankChannelHandlers<T>,
  ): Promise<AcquireResult & { release(): Promise<void> }>;
  send(bankId: string, message: T): Promise<SendResult>;
}

export function createBankChannel<T>(deps: { bus: Bus; leases: BankLeases }): BankChannel<T> {
  const { bus, leases } = deps;
  return {
    async claim(bankId, holder, handlers) {
      // Listen before acquiring, so nothing sent right after the lease is granted is missed.
      const ctrl = new AbortController();
      const messages = bus.subscribe<ChannelMessage<T>>(bankChannelTopic(bankId), ctrl.signal);
      const result = await leases.acquire(bankId, holder).catch((err: unknown) => {
        ctrl.abort();
        throw err;
      });
      if (!result.ok) {
        ctrl.abort();
        return { ...result, release: () => Promise.resolve() };
      }
      if (result.replaced) {
        bus.publish<ChannelMessage<T>>(bankChannelTopic(bankId), {
          kind: 'replaced',
          to: result.replaced.connectionId,
          by: holder,
        });
      }
      void (async () => {
        for await (const m of messages) {
          if (m.to !== holder.connectionId) continue;
          if (m.kind === 'message') handlers.onMessage(m.message);
          else handlers.onReplaced?.(m.by);
        }
      })();
      let released = false;
      return {
        ...result,
        async release() {
          if (released) return;
          released = true;
          ctrl.abort();
          await leases.release(bankId, holder.connectionId);
        },
      };
    },

    async send(bankId, message) {
      const holder = await leases.holder(bankId);
      if (!holder) return { delivered: false };
      bus.publish<ChannelMessage<T>>(bankChannelTopic(bankId), {
        kind: 'message',
        to: holder.connectionId,
        message,
      });
      return { delivered: true, holder };
    },
  };
}
