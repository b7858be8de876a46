/**
 * The demo's background life (`npm start`), played through the public API
 * like real people would: the demo mailroom takes a parcel in now and then for
 * one of the demo students, the simulated controller carries out the deposit
 * (door opens, parcel in, door closes: the server makes it READY_FOR_PICKUP),
 * and some time later the student collects it with the pickup code at the
 * bank's kiosk or from the app. Staff look at a tamper alert after a while and
 * resolve it. Faults come from the simulator's fault script and are only told.
 *
 * It keeps the board, the desk and the alerts consistent by construction: it
 * never touches a compartment itself, takes a parcel in only when a bank has a
 * fitting compartment free and stays under `maxFill` (there is always room for
 * the person trying the demo), and never collects the demo student's parcels.
 */

/** One GraphQL request with a bearer token; the CLI sends it over HTTP. */
export type StoryTransport = (
  query: string,
  variables: Record<string, unknown>,
  token: string,
) => Promise<{ data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] }>;

export interface StoryCast {
  mailroom: { name: string; token: string };
  /** The demo's students who live in the story: their parcels come and go. */
  students: { id: string; name: string; token: string }[];
  /** The person trying the demo: a couple of parcels kept waiting for them, never collected by the story. */
  guest?: { id: string; email: string; waiting: number };
  /** Each bank's kiosk credential: where keypad codes are typed. */
  kiosks: { bankId: string; token: string }[];
}

export interface StoryOptions {
  /** Time between intakes, drawn between these (ms). Default 30–60 s. */
  intakeEveryMs?: [number, number];
  /** How long a parcel waits before its student comes for it (ms). Default 1.5–6 min. */
  collectAfterMs?: [number, number];
  /** A bank is given no more parcels once this share of its compartments is not available. Default 0.5. */
  maxFill?: number;
  /** A tamper alert is checked and resolved by the mailroom after this long (ms). Default 2.5 min. */
  resolveTamperAfterMs?: number;
  /** Share of pickups done with the code at the kiosk (the rest from the app). Default 0.7. */
  kioskShare?: number;
  random?: () => number;
  now?: () => number;
  log?: (line: string) => void;
}

type Size = 'S' | 'M' | 'L';

interface BankView {
  id: string;
  name: string;
  status: 'ONLINE' | 'OFFLINE';
  counts: { total: number; available: number };
  compartments: { label: string; state: string }[];
}

interface ParcelView {
  id: string;
  tracking: string;
  status: string;
  recipient: { id: string; name: string };
  bank: { id: string; name: string } | null;
  compartment: { label: string } | null;
}

const BANKS = `{ lockerBanks { id name status counts { total available } compartments { label state } } }`;
const READY = `{ parcels(status: READY_FOR_PICKUP, limit: 200) { id tracking status recipient { id name } bank { id name } compartment { label } } }`;
const WAITING_FOR = `query ($s: String!) { parcels(search: $s, limit: 50) { id status recipient { id } } }`;
const INTAKE = `mutation ($i: IntakeParcelInput!) {
  intakeParcel(input: $i) {
    __typename
    ... on ParcelReserved { parcel { id } compartment { label bank { name } } }
    ... on ParcelSentToDesk { message }
    ... on ParcelTooBig { message }
    ... on DuplicateTracking { message }
  }
}`;
const MY_CODE = `{ myParcels { id status pickupCode } }`;
const REDEEM = `mutation ($c: String!) { redeemPickupCode(code: $c) { __typename ... on PickupRefused { message } } }`;
const OPEN_MINE = `mutation ($p: ID!) { openMyParcel(parcelId: $p) { __typename ... on ParcelActionRefused { message } } }`;
const ALERTS = `{ staffAlerts { id kind bankId compartmentLabel createdAt resolvedAt } }`;
const RESOLVE = `mutation ($id: ID!) { resolveStaffAlert(id: $id) { id } }`;

/** Parcel sizes as they arrive at a campus mailroom: mostly small and medium. */
const SIZES: [Size, number][] = [
  ['S', 4],
  ['M', 4],
  ['L', 2],
];

export class DemoStory {
  readonly #api: StoryTransport;
  readonly #cast: StoryCast;
  readonly #intakeEvery: [number, number];
  readonly #collectAfter: [number, number];
  readonly #maxFill: number;
  readonly #resolveAfter: number;
  readonly #kioskShare: number;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  #nextIntakeAt: number;
  /** When each story parcel's student comes for it. */
  readonly #collectAt = new Map<string, number>();
  /** Compartments seen in FAULT, to tell when it starts and ends. */
  #faulted = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #serial = 0;
  /** What happened, for tests and the summary line. */
  readonly counts = { intakes: 0, pickups: 0, resolved: 0, skipped: 0, failed: 0 };

  constructor(api: StoryTransport, cast: StoryCast, opts: StoryOptions = {}) {
    this.#api = api;
    this.#cast = cast;
    this.#intakeEvery = opts.intakeEveryMs ?? [30_000, 60_000];
    this.#collectAfter = opts.collectAfterMs ?? [90_000, 360_000];
    this.#maxFill = opts.maxFill ?? 0.5;
    this.#resolveAfter = opts.resolveTamperAfterMs ?? 150_000;
    this.#kioskShare = opts.kioskShare ?? 0.7;
    this.#random = opts.random ?? Math.random;
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log ?? (() => {});
    // The first parcel soon after the start, so the story shows at once.
    this.#nextIntakeAt = this.#now() + 5_000;
  }

  /** Ticks every `everyMs` until stop(). */
  start(everyMs = 5_000): void {
    // The next tick is planned when this one is over: two never overlap.
    const loop = () => {
      if (this.#stopped) return;
      this.tick()
        .catch((error: unknown) => this.#log(`(the story stumbled: ${(error as Error).message}; carrying on)`))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, everyMs);
        });
    };
    loop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One look at the campus and whatever is due now: at most one intake and one pickup. */
  async tick(): Promise<void> {
    const banks = await this.#banks();
    this.#tellFaults(banks);
    await this.#keepGuestParcels(banks);
    if (this.#now() >= this.#nextIntakeAt) {
      await this.#takeOneIn(banks);
      this.#nextIntakeAt = this.#now() + this.#between(this.#intakeEvery);
    }
    await this.#collectOne();
    await this.#checkTamperAlerts(banks);
  }

  // --- the mailroom -------------------------------------------------------------

  async #banks(): Promise<BankView[]> {
    const r = await this.#ask<{ lockerBanks: BankView[] }>(BANKS, {}, this.#cast.mailroom.token);
    return r?.lockerBanks ?? [];
  }

  /** Online banks with room to spare (under maxFill after one more parcel), emptiest first, ties in random order. */
  #roomyBanks(banks: BankView[]): BankView[] {
    return banks
      .filter((b) => b.status === 'ONLINE' && b.counts.total > 0)
      .filter((b) => (b.counts.total - b.counts.available + 1) / b.counts.total <= this.#maxFill)
      .map((b) => ({ b, tie: this.#random() }))
      .sort(
        (x, y) => y.b.counts.available / y.b.counts.total - x.b.counts.available / x.b.counts.total || x.tie - y.tie,
      )
      .map(({ b }) => b);
  }

  async #takeOneIn(banks: BankView[]): Promise<void> {
    const student = this.#pick(this.#cast.students);
    const bank = this.#roomyBanks(banks)[0];
    if (!student) return;
    if (!bank) {
      this.counts.skipped++;
      this.#log(`${this.#cast.mailroom.name} has a parcel to take in, but the banks are busy: it waits a while.`);
      return;
    }
    await this.#intake(student, this.#size(), bank);
  }

  /** The guest (the person trying the demo) finds a couple of parcels waiting. */
  async #keepGuestParcels(banks: BankView[]): Promise<void> {
    const guest = this.#cast.guest;
    if (!guest || guest.waiting <= 0) return;
    const r = await this.#ask<{ parcels: { status: string; recipient: { id: string } }[] }>(
      WAITING_FOR,
      { s: guest.email },
      this.#cast.mailroom.token,
    );
    if (!r) return;
    const waiting = r.parcels.filter(
      (p) => p.recipient.id === guest.id && (p.status === 'READY_FOR_PICKUP' || p.status === 'AWAITING_DEPOSIT'),
    ).length;
    for (let i = waiting; i < guest.waiting; i++) {
      if (this.#roomyBanks(banks).length === 0) return;
      // No bank named: the server uses the guest's preferred bank, as for any recipient.
      await this.#intake({ id: guest.id, name: 'you (the demo student)' }, i === 0 ? 'S' : 'M', null);
    }
    guest.waiting = 0; // once, at the start: afterwards the guest's parcels are theirs to collect
  }

  async #intake(recipient: { id: string; name: string }, size: Size, bank: BankView | null): Promise<void> {
    const tracking = this.#tracking();
    const r = await this.#ask<{
      intakeParcel: {
        __typename: string;
        message?: string;
        parcel?: { id: string };
        compartment?: { label: string; bank: { name: string } };
      };
    }>(
      INTAKE,
      { i: { tracking, recipientId: recipient.id, size, ...(bank ? { bankId: bank.id } : {}) } },
      this.#cast.mailroom.token,
    );
    const answer = r?.intakeParcel;
    if (!answer) return;
    if (answer.__typename === 'ParcelReserved' && answer.compartment) {
      this.counts.intakes++;
      this.#log(
        `${this.#cast.mailroom.name} took in ${tracking} (size ${size}) for ${recipient.name}: ` +
          `${answer.compartment.bank.name} ${answer.compartment.label} opens for the deposit.`,
      );
    } else {
      this.counts.failed++;
      this.#log(
        `${this.#cast.mailroom.name} tried to take in ${tracking} for ${recipient.name}: ${answer.message ?? answer.__typename}`,
      );
    }
  }

  // --- the students -------------------------------------------------------------

  async #collectOne(): Promise<void> {
    const r = await this.#ask<{ parcels: ParcelView[] }>(READY, {}, this.#cast.mailroom.token);
    if (!r) return;
    const now = this.#now();
    const ready = r.parcels.filter((p) => this.#cast.students.some((s) => s.id === p.recipient.id));
    for (const p of ready) {
      if (!this.#collectAt.has(p.id)) this.#collectAt.set(p.id, now + this.#between(this.#collectAfter));
    }
    // Forget parcels that are no longer waiting (collected, recalled).
    for (const id of this.#collectAt.keys()) if (!ready.some((p) => p.id === id)) this.#collectAt.delete(id);
    const due = ready.find((p) => (this.#collectAt.get(p.id) ?? Infinity) <= now);
    if (!due || !due.bank || !due.compartment) return;
    const student = this.#cast.students.find((s) => s.id === due.recipient.id)!;
    const kiosk = this.#cast.kiosks.find((k) => k.bankId === due.bank!.id);
    const where = `${due.bank.name} ${due.compartment.label}`;
    let refusal: string | null;
    let how: string;
    if (kiosk && this.#random() < this.#kioskShare) {
      how = 'with the pickup code at the kiosk';
      const mine = await this.#ask<{ myParcels: { id: string; pickupCode: string | null }[] }>(
        MY_CODE,
        {},
        student.token,
      );
      const code = mine?.myParcels.find((m) => m.id === due.id)?.pickupCode;
      if (!code) return;
      const res = await this.#ask<{ redeemPickupCode: { __typename: string; message?: string } }>(
        REDEEM,
        { c: code },
        kiosk.token,
      );
      refusal =
        res?.redeemPickupCode.__typename === 'PickupOpened' ? null : (res?.redeemPickupCode.message ?? 'no answer');
    } else {
      how = 'from the app';
      const res = await this.#ask<{ openMyParcel: { __typename: string; message?: string } }>(
        OPEN_MINE,
        { p: due.id },
        student.token,
      );
      refusal = res?.openMyParcel.__typename === 'ParcelActionOk' ? null : (res?.openMyParcel.message ?? 'no answer');
    }
    if (refusal === null) {
      this.counts.pickups++;
      this.#collectAt.delete(due.id);
      this.#log(`${student.name} collects ${due.tracking} from ${where}, opened ${how}.`);
    } else {
      // A faulted door, a bank offline: they come back later.
      this.#collectAt.set(due.id, now + 60_000);
      this.#log(`${student.name} could not open ${where} ${how} (${refusal}); they will come back later.`);
    }
  }

  // --- staff ----------------------------------------------------------------------

  async #checkTamperAlerts(banks: BankView[]): Promise<void> {
    const r = await this.#ask<{
      staffAlerts: {
        id: string;
        kind: string;
        bankId: string | null;
        compartmentLabel: string | null;
        createdAt: string;
        resolvedAt: string | null;
      }[];
    }>(ALERTS, {}, this.#cast.mailroom.token);
    if (!r) return;
    const now = this.#now();
    for (const a of r.staffAlerts) {
      if (a.kind !== 'TAMPER' || a.resolvedAt || now - Date.parse(a.createdAt) < this.#resolveAfter) continue;
      const done = await this.#ask(RESOLVE, { id: a.id }, this.#cast.mailroom.token);
      if (!done) continue;
      this.counts.resolved++;
      const bank = banks.find((b) => b.id === a.bankId)?.name ?? 'the bank';
      const where = a.compartmentLabel ? `${bank} ${a.compartmentLabel}` : bank;
      this.#log(
        `${this.#cast.mailroom.name} checked ${where} after the tamper alert: the door is shut and nothing is missing; alert resolved.`,
      );
    }
  }

  /** Says when a compartment reports a fault and when it is fixed (the simulator's fault script). */
  #tellFaults(banks: BankView[]): void {
    const now = new Set<string>();
    for (const b of banks) {
      for (const c of b.compartments) if (c.state === 'FAULT') now.add(`${b.name} ${c.label}`);
    }
    for (const f of now) if (!this.#faulted.has(f)) this.#log(`${f} reports a fault: out of use until it is fixed.`);
    for (const f of this.#faulted) if (!now.has(f)) this.#log(`${f} is fixed and back in use.`);
    this.#faulted = now;
  }

  // --- helpers --------------------------------------------------------------------

  async #ask<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T | null> {
    let r;
    try {
      r = await this.#api(query, variables, token);
    } catch (error) {
      this.#log(`(the server did not answer: ${(error as Error).message})`);
      return null;
    }
    if (r.errors?.length) {
      this.#log(`(the server refused a request: ${r.errors.map((e) => e.extensions?.code ?? e.message).join(', ')})`);
      return null;
    }
    return (r.data as T) ?? null;
  }

  #between([min, max]: [number, number]): number {
    return min + this.#random() * Math.max(0, max - min);
  }

  #pick<T>(list: readonly T[]): T | undefined {
    return list[Math.floor(this.#random() * list.length)];
  }

  #size(): Size {
    const total = SIZES.reduce((s, [, w]) => s + w, 0);
    let r = this.#random() * total;
    for (const [size, w] of SIZES) {
      r -= w;
      if (r < 0) return size;
    }
    return 'M';
  }

  /** A UPS-style tracking number (1Z…), unique to this run. */
  #tracking(): string {
    const serial = String(++this.#serial).padStart(3, '0');
    const stamp = String(this.#now()).slice(-8);
    return `1Z9DEMO${stamp}${serial}`.slice(0, 18);
  }
}
