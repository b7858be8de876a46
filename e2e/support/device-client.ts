/**
 * A bare graphql-ws client speaking the device protocol, for tests that need
 * to see exactly how the server treats a connection (close codes), without
 * the simulator's retry policy in between.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { wsUrl } from './stack.js';

export interface DeviceAttempt {
  /** connection_ack arrived. */
  acknowledged: boolean;
  /** The close code and reason the server sent. */
  code: number | undefined;
  reason: string;
  /** What the reportLockerEvents call got: its result, or the error. */
  result: unknown;
  error: unknown;
}

const REPORT = /* GraphQL */ `
  mutation Report($events: [LockerEventInput!]!) {
    reportLockerEvents(events: $events) {
      acceptedThroughSeq
      stored
    }
  }
`;

/**
 * Connects with `connectionParams: { deviceToken }` and reports one
 * DOOR_OPENED event for `label`. Resolves when the socket closes (or after
 * `timeoutMs`, with code undefined).
 */
export async function reportDoorOpenedWithToken(
  deviceToken: string,
  label: string,
  timeoutMs = 5_000,
): Promise<DeviceAttempt> {
  const attempt: DeviceAttempt = {
    acknowledged: false,
    code: undefined,
    reason: '',
    result: undefined,
    error: undefined,
  };
  let onClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { deviceToken },
    lazy: true,
    retryAttempts: 0, // graphql-ws would retry 4403 otherwise
    on: {
      connected: () => {
        attempt.acknowledged = true;
      },
      closed: (event) => {
        const e = event as { code?: number; reason?: string };
        attempt.code = e.code;
        attempt.reason = String(e.reason ?? '');
        onClosed();
      },
    },
  });
  const done = new Promise<void>((resolve) => {
    client.subscribe(
      {
        query: REPORT,
        variables: { events: [{ seq: 1, label, kind: 'DOOR_OPENED', at: new Date().toISOString() }] },
      },
      {
        next: (value) => (attempt.result = value),
        error: (error) => {
          attempt.error = error;
          resolve();
        },
        complete: () => resolve(),
      },
    );
  });
  const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs));
  await Promise.race([Promise.all([closed, done]), timer]);
  await client.dispose();
  return attempt;
}
