/**
 * What happens at the banks when nobody drives them from a test:
 * - RandomActivity: plausible random use (deposits, pickups, doors left open
 *   and closed, charging, rare faults and tampering) at a configurable rate;
 * - ScriptRunner: a fixed sequence of steps from a JSON file, for
 *   reproducible demos.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { CompartmentView, SimulatedController } from './controller.js';
import { exponentialDelayMs, pick, type Random } from './random.js';
import { silentLogger, type BankEventKind, type Logger } from './types.js';

/** Everything a step or the random generator can do. */
export const ACTIONS = [
  'deposit',
  'pickup',
  'open',
  'close',
  'fault',
  'clear-fault',
  'charge',
  'charged',
  'tamper',
  'disconnect',
  'reconnect',
  'power-lost',
  'power-restored',
  'ups-on-battery',
  'ups-battery-low',
  'cabinet-tamper',
  'temperature-high',
  'temperature-normal',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Bank-level events (PROTOCOL.md 3): the action, and the kind it records. */
const BANK_EVENTS = {
  'power-lost': 'POWER_LOST',
  'power-restored': 'POWER_RESTORED',
  'ups-on-battery': 'UPS_ON_BATTERY',
  'ups-battery-low': 'UPS_BATTERY_LOW',
  'cabinet-tamper': 'CABINET_TAMPER',
  'temperature-high': 'TEMPERATURE_HIGH',
  'temperature-normal': 'TEMPERATURE_NORMAL',
} as const satisfies Partial<Record<Action, BankEventKind>>;
type BankEventAction = keyof typeof BANK_EVENTS;

/** Actions on the bank as a whole: no label. */
const BANK_ACTIONS: ReadonlySet<Action> = new Set(['disconnect', 'reconnect', ...Object.keys(BANK_EVENTS)] as Action[]);

function isBankEventAction(action: Action): action is BankEventAction {
  return action in BANK_EVENTS;
}

/** Carries out one action on a controller. */
export async function performAction(
  controller: SimulatedController,
  action: Action,
  label?: string,
  detail?: string,
): Promise<void> {
  if (isBankEventAction(action)) {
    const kind = BANK_EVENTS[action];
    if (kind === 'CABINET_TAMPER' && detail === undefined) controller.cabinetTamper();
    else if (kind === 'TEMPERATURE_HIGH' && detail === undefined) controller.temperatureHigh();
    else if (kind === 'TEMPERATURE_NORMAL' && detail === undefined) controller.temperatureNormal();
    else controller.bankEvent(kind, detail);
    return;
  }
  if (BANK_ACTIONS.has(action)) {
    if (action === 'disconnect') {
      await controller.disconnect();
    } else {
      // Do not wait for the connection (the server may be away for long);
      // a refused token shows up in the controller's status instead.
      controller.reconnect().catch(() => {});
    }
    return;
  }
  if (label === undefined) throw new Error(`action ${action} needs a label`);
  switch (action) {
    case 'deposit':
      controller.deposit(label);
      return;
    case 'pickup':
      controller.pickup(label);
      return;
    case 'open':
      controller.openDoor(label);
      return;
    case 'close':
      controller.closeDoor(label);
      return;
    case 'fault':
      if (detail === undefined) controller.fault(label);
      else controller.fault(label, detail);
      return;
    case 'clear-fault':
      controller.clearFault(label);
      return;
    case 'charge':
      controller.startCharging(label);
      return;
    case 'charged':
      controller.finishCharging(label);
      return;
    case 'tamper':
      if (detail === undefined) controller.tamper(label);
      else controller.tamper(label, detail);
      return;
    default:
      throw new Error(`unknown action ${String(action)}`);
  }
}

export interface ChosenAction {
  action: Exclude<Action, 'disconnect' | 'reconnect' | BankEventAction>;
  label: string;
}

/**
 * Relative weights of the random actions, and which compartments each one
 * makes sense for. Deposits and pickups balance, so a bank hovers around
 * half full; a door left open is soon closed; faults are rare and get fixed.
 */
const RULES: { action: ChosenAction['action']; weight: number; applies: (c: CompartmentView) => boolean }[] = [
  { action: 'deposit', weight: 10, applies: (c) => !c.faulted && !c.occupied && c.door === 'CLOSED' },
  { action: 'pickup', weight: 10, applies: (c) => !c.faulted && c.occupied && c.door === 'CLOSED' },
  { action: 'charge', weight: 4, applies: (c) => !c.faulted && c.occupied && c.hasCharging && c.charging === 'IDLE' },
  { action: 'charged', weight: 3, applies: (c) => c.charging === 'CHARGING' },
  { action: 'open', weight: 1, applies: (c) => !c.faulted && c.door === 'CLOSED' },
  { action: 'close', weight: 8, applies: (c) => c.door === 'OPEN' },
  { action: 'fault', weight: 0.3, applies: (c) => !c.faulted },
  { action: 'clear-fault', weight: 2, applies: (c) => c.faulted },
  { action: 'tamper', weight: 0.1, applies: (c) => c.door === 'CLOSED' },
];

/** Picks a plausible next action for a bank in this state; undefined when nothing applies. Compartments in service (a real parcel) are left alone. */
export function chooseAction(all: readonly CompartmentView[], random: Random): ChosenAction | undefined {
  const compartments = all.filter((c) => !c.inService);
  const options = RULES.map((rule) => ({ rule, targets: compartments.filter(rule.applies) })).filter(
    (o) => o.targets.length > 0,
  );
  const total = options.reduce((sum, o) => sum + o.rule.weight, 0);
  if (total === 0) return undefined;
  let r = random() * total;
  for (const o of options) {
    r -= o.rule.weight;
    if (r < 0) {
      const target = pick(o.targets, random);
      return target ? { action: o.rule.action, label: target.label } : undefined;
    }
  }
  const last = options.at(-1);
  const target = last ? pick(last.targets, random) : undefined;
  return last && target ? { action: last.rule.action, label: target.label } : undefined;
}

export interface RandomActivityOptions {
  /** Average actions per second per bank (a Poisson process). 0 = none. */
  ratePerSecond: number;
  random?: Random;
  logger?: Logger;
}

/**
 * Random use of each bank. It carries on while a bank is disconnected (the
 * events queue up and are replayed), as real lockers keep being used.
 */
export class RandomActivity {
  readonly #controllers: SimulatedController[];
  readonly #rate: number;
  readonly #random: Random;
  readonly #logger: Logger;
  readonly #timers = new Map<SimulatedController, NodeJS.Timeout>();
  #actions = 0;

  constructor(controllers: SimulatedController[], options: RandomActivityOptions) {
    if (!(options.ratePerSecond >= 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError(`rate must be a non-negative number, got ${options.ratePerSecond}`);
    }
    this.#controllers = controllers;
    this.#rate = options.ratePerSecond;
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Actions carried out so far. */
  get actions(): number {
    return this.#actions;
  }

  start(): void {
    if (this.#rate === 0) return;
    for (const c of this.#controllers) this.#schedule(c);
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** One random action on one bank, now. Undefined if the bank has nothing to do (or no labels yet). */
  step(controller: SimulatedController): ChosenAction | undefined {
    if (controller.finalError) return undefined;
    const chosen = chooseAction(controller.compartments, this.#random);
    if (!chosen) return undefined;
    performAction(controller, chosen.action, chosen.label).catch((error: unknown) =>
      this.#logger.warn(`${controller.name}: ${chosen.action} ${chosen.label} failed: ${(error as Error).message}`),
    );
    this.#actions++;
    this.#logger.debug(`${controller.name}: ${chosen.action} ${chosen.label}`);
    return chosen;
  }

  #schedule(controller: SimulatedController): void {
    const timer = setTimeout(
      () => {
        this.step(controller);
        if (this.#timers.has(controller)) this.#schedule(controller);
      },
      exponentialDelayMs(this.#rate, this.#random),
    );
    this.#timers.set(controller, timer);
  }
}

// --- scripts -----------------------------------------------------------------

const stepSchema = z
  .object({
    /** Wait this long after the previous step (or the start). */
    afterMs: z.number().min(0).default(0),
    /** Index into the list of banks (0 = first). */
    bank: z.number().int().min(0).default(0),
    label: z.string().min(1).optional(),
    action: z.enum(ACTIONS),
    detail: z.string().max(500).optional(),
  })
  .refine((s) => BANK_ACTIONS.has(s.action) || s.label !== undefined, { message: 'this action needs a label' });

// Two shapes, chosen by looking (not z.union), so errors point at the step.
const stepsSchema = z.array(stepSchema);
const loopingSchema = z.object({ loop: z.boolean().default(false), steps: stepsSchema });

export type ScriptStep = z.infer<typeof stepSchema>;
export interface Script {
  steps: ScriptStep[];
  /** Start again from the first step after the last. */
  loop: boolean;
}

/**
 * A script is `[{ "afterMs": 1000, "bank": 0, "label": "A01", "action": "deposit" }, …]`
 * or `{ "loop": true, "steps": [ … ] }`. afterMs counts from the previous step.
 */
export function parseScript(json: unknown): Script {
  const result = Array.isArray(json) ? stepsSchema.safeParse(json) : loopingSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`invalid script${issue ? ` at ${issue.path.join('.') || 'root'}: ${issue.message}` : ''}`);
  }
  const script: Script = Array.isArray(result.data) ? { steps: result.data, loop: false } : result.data;
  if (script.loop && script.steps.reduce((sum, s) => sum + s.afterMs, 0) === 0) {
    throw new Error('a looping script needs some afterMs, or it would spin');
  }
  return script;
}

export async function loadScript(path: string): Promise<Script> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read script ${path}: ${(error as Error).message}`);
  }
  return parseScript(json);
}

export class ScriptRunner {
  readonly #controllers: SimulatedController[];
  readonly #script: Script;
  readonly #logger: Logger;
  #stopped = false;
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = 0;

  constructor(controllers: SimulatedController[], script: Script, options: { logger?: Logger } = {}) {
    const tooHigh = script.steps.find((s) => s.bank >= controllers.length);
    if (tooHigh)
      throw new Error(`script step uses bank ${tooHigh.bank}, but there are only ${controllers.length} bank(s)`);
    this.#controllers = controllers;
    this.#script = script;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Steps carried out so far. */
  get stepsDone(): number {
    return this.#done;
  }

  /** Runs the script; resolves at its end (never, for a looping one, until stop()). */
  async run(): Promise<void> {
    do {
      for (const step of this.#script.steps) {
        await this.#sleep(step.afterMs);
        if (this.#stopped) return;
        const controller = this.#controllers[step.bank];
        if (!controller) continue;
        this.#logger.info(`${controller.name}: script: ${step.action}${step.label ? ` ${step.label}` : ''}`);
        try {
          await performAction(controller, step.action, step.label, step.detail);
        } catch (error) {
          this.#logger.warn(`${controller.name}: script step failed: ${(error as Error).message}`);
        }
        this.#done++;
      }
    } while (this.#script.loop && !this.#stopped);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, ms);
    });
  }
}
