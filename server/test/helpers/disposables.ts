type Disposer = () => Promise<void> | void;
const disposers: Disposer[] = [];

/** Registers cleanup to run after the current test (newest first). */
export function track<T>(value: T, dispose: Disposer): T {
  disposers.push(dispose);
  return value;
}

export async function disposeAll() {
  while (disposers.length) {
    const d = disposers.pop();
    try {
      await d?.();
    } catch {
      // already closed
    }
  }
}
