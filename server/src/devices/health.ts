/**
 * The controller's health report (PROTOCOL.md 2, reportControllerHealth):
 * every field checked against a range a real controller can be in, so what
 * staff see is never nonsense. A field out of range refuses the report with
 * BAD_USER_INPUT and `extensions.field` naming it.
 */
import { parseInstant } from '../graphql/scalars.js';
import { badInput } from '../shared/errors.js';
import type { StoredHealth } from './controllers.js';
import { INIT_LIMITS } from './protocol.js';

export interface HealthInput {
  at: string;
  uptimeSeconds?: number | null;
  outboxDepth?: number | null;
  signalDbm?: number | null;
  firmware?: string | null;
  power?: 'MAINS' | 'BATTERY' | null;
  batteryPercent?: number | null;
  temperatureC?: number | null;
}

/** Ranges a controller's numbers must lie in; inclusive. */
export const HEALTH_RANGES = {
  /** A century of uptime is more than any controller has. */
  uptimeSeconds: [0, 100 * 366 * 86_400],
  outboxDepth: [0, 2 ** 31 - 1],
  /** Radio signal strength: from the noise floor to a transmitter held against the antenna. */
  signalDbm: [-150, 0],
  batteryPercent: [0, 100],
  /** What electronics in a cabinet survive (industrial range, with margin). */
  temperatureC: [-60, 150],
} as const satisfies Record<string, readonly [number, number]>;

function checkRange(field: keyof typeof HEALTH_RANGES, value: number | null | undefined, whole: boolean) {
  if (value === undefined || value === null) return null;
  const [min, max] = HEALTH_RANGES[field];
  const ok = Number.isFinite(value) && (!whole || Number.isInteger(value)) && value >= min && value <= max;
  if (!ok) {
    throw badInput(`${field} must be ${whole ? 'a whole number ' : ''}from ${min} to ${max}.`, { field });
  }
  return value;
}

/** The checked report, and the controller's clock it states. */
export function parseHealthInput(input: HealthInput): { at: Date; health: StoredHealth } {
  const at = parseInstant(input.at);
  if (!at) {
    throw badInput('at must be an ISO 8601 time with a zone, such as 2026-11-27T08:05:00.000Z.', { field: 'at' });
  }
  const firmware = input.firmware ?? null;
  if (firmware !== null && firmware.length > INIT_LIMITS.text) {
    throw badInput(`firmware must be at most ${INIT_LIMITS.text} characters.`, { field: 'firmware' });
  }
  return {
    at,
    health: {
      at: input.at,
      uptimeSeconds: checkRange('uptimeSeconds', input.uptimeSeconds, true),
      outboxDepth: checkRange('outboxDepth', input.outboxDepth, true),
      signalDbm: checkRange('signalDbm', input.signalDbm, true),
      firmware: firmware?.trim() || null,
      power: input.power ?? null,
      batteryPercent: checkRange('batteryPercent', input.batteryPercent, true),
      temperatureC: checkRange('temperatureC', input.temperatureC, false),
    },
  };
}
