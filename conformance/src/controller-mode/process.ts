/**
 * The controller under test, as a child process, and the test hooks it may
 * offer (conformance/README.md, "Test hooks"):
 *
 * - it prints `BAYLIGHT-HOOKS 1` on stdout once it reads hook lines on stdin;
 * - stdin `event <label|-> <KIND> <detail>`: record that event as if a sensor saw it;
 * - stdin `qr <token>`: a QR code held to the reader;
 * - it prints `BAYLIGHT-UNLOCK <label>` each time it releases a lock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const HOOKS_LINE = 'BAYLIGHT-HOOKS 1';
export const UNLOCK_PREFIX = 'BAYLIGHT-UNLOCK ';

export interface ProcessOptions {
  url: string;
  token: string;
  cwd: string;
  now: () => number;
  /** Every line the controller prints (--verbose). */
  onLine?: (line: string) => void;
  onChange?: () => void;
}

export class ControllerProcess {
  readonly command: string;
  readonly output: string[] = [];
  readonly unlocks: { t: number; label: string }[] = [];
  readonly hooksSent: { t: number; line: string }[] = [];
  hooks = false;
  exited: { code: number | null; signal: string | null; t: number } | undefined;
  #child: ChildProcess | undefined;

  constructor(
    template: string,
    private readonly options: ProcessOptions,
  ) {
    this.command = template.replaceAll('{url}', options.url).replaceAll('{token}', options.token);
  }

  start(): void {
    const child = spawn(this.command, {
      cwd: this.options.cwd,
      shell: true,
      // Its own process group, so stopping it also stops what the shell started.
      detached: process.platform !== 'win32',
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        BAYLIGHT_URL: this.options.url,
        BAYLIGHT_DEVICE_TOKEN: this.options.token,
        BAYLIGHT_TEST_HOOKS: 'stdin',
      },
    });
    this.#child = child;
    child.stdin?.on('error', () => {});
    createInterface({ input: child.stdout }).on('line', (line) => this.#line(line, 'out'));
    createInterface({ input: child.stderr }).on('line', (line) => this.#line(line, 'err'));
    child.on('exit', (code, signal) => {
      this.exited = { code, signal, t: this.options.now() };
      this.#remember(`(the controller exited: ${signal ?? `code ${code}`})`);
      this.options.onChange?.();
    });
    child.on('error', (err) => this.#remember(`(could not start the controller: ${err.message})`));
  }

  #line(line: string, stream: 'out' | 'err'): void {
    const text = line.trim();
    if (stream === 'out' && text === HOOKS_LINE) this.hooks = true;
    if (stream === 'out' && text.startsWith(UNLOCK_PREFIX)) {
      this.unlocks.push({ t: this.options.now(), label: text.slice(UNLOCK_PREFIX.length).trim() });
    }
    this.#remember(stream === 'err' ? `stderr: ${line}` : line);
    this.options.onChange?.();
  }

  #remember(line: string): void {
    this.output.push(line);
    if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    this.options.onLine?.(line);
  }

  /** Sends a hook line; false when the controller offers no hooks or is gone. */
  hook(line: string): boolean {
    const stdin = this.#child?.stdin;
    if (!this.hooks || !stdin || stdin.destroyed || this.exited) return false;
    this.hooksSent.push({ t: this.options.now(), line });
    this.#remember(`(kit → controller) ${line.length > 120 ? `${line.slice(0, 120)}…` : line}`);
    stdin.write(`${line}\n`);
    return true;
  }

  unlocksOf(label: string, from = 0, to = Infinity): number {
    return this.unlocks.filter((u) => u.label === label && u.t >= from && u.t <= to).length;
  }

  tail(lines = 25): string[] {
    return this.output.slice(-lines);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || this.exited) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, sig);
        else child.kill(sig);
      } catch {
        /* already gone */
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
    signal('SIGKILL'); // anything the shell started that outlived it
  }
}
