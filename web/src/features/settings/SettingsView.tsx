'use client';

import { useEffect, useId, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { ConnectionBanner } from '@/components/ConnectionBanner';
import { useSession } from '@/components/SessionProvider';
import { formatAsOf } from '@/features/board/describe';
import type { MySettingsQuery } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import {
  PreferredBanksQuery,
  PushPublicKeyQuery,
  RegisterPushSubscriptionMutation,
  RemovePushDeviceMutation,
  SettingsQuery,
  UpdateMyPreferencesMutation,
} from './documents';
import { base64UrlToBytes, deviceLabel, quietHoursProblem, subscriptionInput, thisDeviceKey } from './push';
import styles from './settings.module.css';

type Data = MySettingsQuery;

type Status = { tone: 'ok' | 'error'; text: string } | null;

export function SettingsView() {
  const [result, reexecute] = useQuery({ query: SettingsQuery, requestPolicy: 'cache-and-network' });
  // Kept here: the form is re-created from the saved values after a save, and the message must survive that.
  const [status, setStatus] = useState<Status>(null);
  const data = result.data;
  return (
    <div className={styles.page}>
      <ConnectionBanner />
      <h1 className={styles.title}>Settings</h1>
      {!data ? (
        result.error ? (
          <div className="panel" role="alert">
            <p>{errorMessage(result.error)}</p>
            <button type="button" className="button" onClick={() => reexecute({ requestPolicy: 'network-only' })}>
              Try again
            </button>
          </div>
        ) : (
          <p className="page-message" role="status">
            Loading your settings…
          </p>
        )
      ) : (
        <>
          {/* Keyed by the saved values so a save (or another tab) refreshes the form. */}
          <PreferencesForm
            key={JSON.stringify([data.myNotificationSettings, data.me?.preferredBank?.id, data.me?.needsAccessible])}
            data={data}
            status={status}
            setStatus={setStatus}
            onSaved={() => reexecute({ requestPolicy: 'network-only' })}
          />
          <PushDevices
            devices={data.myNotificationSettings.devices}
            pushEnabled={data.myNotificationSettings.pushEnabled}
          />
        </>
      )}
    </div>
  );
}

function PreferencesForm({
  data,
  status,
  setStatus,
  onSaved,
}: {
  data: Data;
  status: Status;
  setStatus: (status: Status) => void;
  onSaved: () => void;
}) {
  const id = useId();
  const settings = data.myNotificationSettings;
  const [emailEnabled, setEmailEnabled] = useState(settings.emailEnabled);
  const [pushEnabled, setPushEnabled] = useState(settings.pushEnabled);
  const [quietStart, setQuietStart] = useState(settings.quietHoursStart ?? '');
  const [quietEnd, setQuietEnd] = useState(settings.quietHoursEnd ?? '');
  const [bankId, setBankId] = useState(data.me?.preferredBank?.id ?? '');
  const [needsAccessible, setNeedsAccessible] = useState(data.me?.needsAccessible ?? false);
  const [banks] = useQuery({ query: PreferredBanksQuery, requestPolicy: 'cache-and-network' });
  const [{ fetching }, update] = useMutation(UpdateMyPreferencesMutation);

  const quietProblem = quietHoursProblem(quietStart, quietEnd);
  const quietText =
    quietProblem === 'both-or-neither'
      ? 'Set both a start and an end, or clear both for no quiet hours.'
      : quietProblem === 'same'
        ? 'Start and end must differ.'
        : quietProblem === 'format'
          ? 'Use hours and minutes, e.g. 22:00.'
          : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(null);
    if (quietText) {
      setStatus({ tone: 'error', text: quietText });
      return;
    }
    const answer = await update({
      input: {
        emailEnabled,
        pushEnabled,
        quietHoursStart: quietStart || null,
        quietHoursEnd: quietEnd || null,
        preferredBankId: bankId || null,
        needsAccessible,
      },
    });
    if (answer.error) {
      setStatus({ tone: 'error', text: errorMessage(answer.error) });
      return;
    }
    setStatus({ tone: 'ok', text: 'Settings saved.' });
    onSaved();
  };

  const bankList = banks.data?.lockerBanks ?? [];
  return (
    <form className={styles.section} onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Notifications and lockers</h2>
      <fieldset className={styles.group}>
        <legend>When a parcel arrives, tell me by</legend>
        <label className={styles.check}>
          <input
            type="checkbox"
            checked={emailEnabled}
            onChange={(e) => setEmailEnabled(e.target.checked)}
            data-testid="settings-email"
          />
          E-mail
        </label>
        <label className={styles.check}>
          <input
            type="checkbox"
            checked={pushEnabled}
            onChange={(e) => setPushEnabled(e.target.checked)}
            data-testid="settings-push"
          />
          Push notification (on the devices below)
        </label>
      </fieldset>

      <fieldset className={styles.group}>
        <legend>Quiet hours</legend>
        <p className="hint" id={`${id}-quiet-hint`}>
          No e-mail or push in this window (in the campus time zone); reminders wait until it ends. Leave both empty for
          none.
        </p>
        <div className={styles.times}>
          <div className="field">
            <label htmlFor={`${id}-quiet-start`}>From</label>
            <input
              id={`${id}-quiet-start`}
              type="time"
              value={quietStart}
              onChange={(e) => setQuietStart(e.target.value)}
              aria-describedby={`${id}-quiet-hint`}
              aria-invalid={quietText ? true : undefined}
              data-testid="settings-quiet-start"
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-quiet-end`}>Until</label>
            <input
              id={`${id}-quiet-end`}
              type="time"
              value={quietEnd}
              onChange={(e) => setQuietEnd(e.target.value)}
              aria-describedby={`${id}-quiet-hint`}
              aria-invalid={quietText ? true : undefined}
              data-testid="settings-quiet-end"
            />
          </div>
          {(quietStart || quietEnd) && (
            <button
              type="button"
              className="button-link"
              onClick={() => {
                setQuietStart('');
                setQuietEnd('');
              }}
            >
              No quiet hours
            </button>
          )}
        </div>
        {quietText && <p className="error">{quietText}</p>}
      </fieldset>

      <div className="field">
        <label htmlFor={`${id}-bank`}>Preferred locker bank</label>
        <select
          id={`${id}-bank`}
          value={bankId}
          onChange={(e) => setBankId(e.target.value)}
          aria-describedby={`${id}-bank-hint`}
          data-testid="settings-bank"
        >
          <option value="">No preference</option>
          {/* Keep the saved bank selectable even before the list loads. */}
          {data.me?.preferredBank && !bankList.some((b) => b.id === data.me?.preferredBank?.id) && (
            <option value={data.me.preferredBank.id}>{data.me.preferredBank.name}</option>
          )}
          {bankList.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
              {b.location ? ` — ${b.location}` : ''}
            </option>
          ))}
        </select>
        <p className="hint" id={`${id}-bank-hint`}>
          The mailroom tries this bank first; if it is full, the parcel goes to another bank on the site.
        </p>
        {banks.error && <p className="hint">The list of banks could not be loaded: {errorMessage(banks.error)}</p>}
      </div>

      <label className={styles.check}>
        <input
          type="checkbox"
          checked={needsAccessible}
          onChange={(e) => setNeedsAccessible(e.target.checked)}
          data-testid="settings-accessible"
        />
        I need a low (accessible) compartment, reachable from a wheelchair
      </label>

      <div className={styles.saveRow}>
        <button type="submit" className="button" disabled={fetching} data-testid="settings-save">
          {fetching ? 'Saving…' : 'Save settings'}
        </button>
        <p
          className={status?.tone === 'error' ? 'error' : 'ok'}
          role="status"
          hidden={!status}
          data-testid="settings-status"
        >
          {status?.text}
        </p>
      </div>
    </form>
  );
}

type PushState =
  { kind: 'idle' } | { kind: 'working'; text: string } | { kind: 'ok'; text: string } | { kind: 'error'; text: string };

function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
  );
}

function timeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error(what), { name: 'TimeoutError' })), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function PushDevices({
  devices,
  pushEnabled,
}: {
  devices: Data['myNotificationSettings']['devices'];
  pushEnabled: boolean;
}) {
  const { session } = useSession();
  const client = useClient();
  const personId = session?.person.id ?? '';
  const [state, setState] = useState<PushState>({ kind: 'idle' });
  const [supported, setSupported] = useState<boolean | null>(null);
  const [thisDevice, setThisDevice] = useState<string | null>(null);
  const [, register] = useMutation(RegisterPushSubscriptionMutation);
  const [{ fetching: removing }, remove] = useMutation(RemovePushDeviceMutation);

  useEffect(() => {
    setSupported(pushSupported());
    try {
      setThisDevice(localStorage.getItem(thisDeviceKey(personId)));
    } catch {
      setThisDevice(null);
    }
  }, [personId]);

  const subscribe = async () => {
    setState({ kind: 'working', text: 'Asking the browser…' });
    try {
      const keyResult = await client.query(PushPublicKeyQuery, {}, { requestPolicy: 'network-only' }).toPromise();
      const key = keyResult.data?.pushPublicKey;
      if (!key) {
        setState({
          kind: 'error',
          text: keyResult.error ? errorMessage(keyResult.error) : 'The server has no push key configured. Ask IT.',
        });
        return;
      }
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        setState({
          kind: 'error',
          text:
            permission === 'denied'
              ? 'Notifications are blocked for this site. Allow them in the browser’s site settings, then try again.'
              : 'Notifications were not allowed. Try again and choose “Allow”.',
        });
        return;
      }
      const registration = await timeout(navigator.serviceWorker.ready, 5_000, 'no service worker').catch(() => null);
      if (!registration) {
        setState({
          kind: 'error',
          text: 'Push needs the installed app’s service worker, which is not running in this window. Reload the page and try again.',
        });
        return;
      }
      const existing = await registration.pushManager.getSubscription();
      const subscription =
        existing ??
        (await timeout(
          registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key) }),
          20_000,
          'push service did not answer',
        ));
      const input = subscriptionInput(subscription.toJSON(), deviceLabel(navigator.userAgent));
      if (!input) {
        setState({ kind: 'error', text: 'The browser returned an incomplete subscription. Try again.' });
        return;
      }
      const answer = await register({ input });
      if (answer.error || !answer.data) {
        setState({ kind: 'error', text: answer.error ? errorMessage(answer.error) : 'Not saved. Try again.' });
        return;
      }
      const deviceId = answer.data.registerPushSubscription.id;
      try {
        localStorage.setItem(thisDeviceKey(personId), deviceId);
      } catch {
        // Without storage this device is simply not marked in the list.
      }
      setThisDevice(deviceId);
      setState({ kind: 'ok', text: `Notifications are on for ${input.label}.` });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      setState({
        kind: 'error',
        text:
          name === 'NotAllowedError'
            ? 'The browser refused a push subscription (permission denied). Check the site’s notification permission.'
            : name === 'AbortError'
              ? 'The browser could not create a push subscription (private windows and some browsers cannot receive push).'
              : name === 'TimeoutError'
                ? 'The browser’s push service did not answer. Check the connection and try again later.'
                : 'Push notifications could not be set up on this device. Try again later.',
      });
    }
  };

  const removeDevice = async (deviceId: string) => {
    setState({ kind: 'working', text: 'Removing…' });
    const answer = await remove({ id: deviceId });
    if (answer.error) {
      setState({ kind: 'error', text: errorMessage(answer.error) });
      return;
    }
    if (deviceId === thisDevice) {
      try {
        localStorage.removeItem(thisDeviceKey(personId));
        const registration = await timeout(navigator.serviceWorker.ready, 2_000, 'no service worker');
        await (await registration.pushManager.getSubscription())?.unsubscribe();
      } catch {
        // The server no longer sends to it either way.
      }
      setThisDevice(null);
    }
    setState({ kind: 'ok', text: 'Device removed: it gets no more notifications.' });
  };

  const registeredHere = thisDevice !== null && devices.some((d) => d.id === thisDevice);

  return (
    <section className={styles.section} aria-labelledby="push-devices">
      <h2 id="push-devices">Push notifications on devices</h2>
      {!pushEnabled && (
        <p className="hint">
          Push is switched off above: devices stay registered but get nothing until you switch it on.
        </p>
      )}
      {supported === false ? (
        <p className="hint" data-testid="push-unsupported">
          This browser cannot receive push notifications. On iPhone and iPad, add Baylight to the home screen first.
        </p>
      ) : (
        !registeredHere && (
          <button
            type="button"
            className="button"
            onClick={() => void subscribe()}
            disabled={state.kind === 'working' || supported === null}
            data-testid="push-subscribe"
          >
            Get notifications on this device
          </button>
        )
      )}
      <p
        className={state.kind === 'error' ? 'error' : state.kind === 'ok' ? 'ok' : 'hint'}
        role="status"
        hidden={state.kind === 'idle'}
        data-testid="push-status"
      >
        {state.kind === 'idle' ? '' : state.text}
      </p>
      {devices.length === 0 ? (
        <p className="hint">No devices registered yet.</p>
      ) : (
        <ul className={styles.devices}>
          {devices.map((d) => (
            <li key={d.id} className={styles.device} data-testid={`push-device-${d.id}`}>
              <span>
                <strong>{d.label}</strong>
                {d.id === thisDevice && <span className={styles.here}> (this device)</span>}
                <span className={styles.since}>
                  Added <time dateTime={d.createdAt}>{formatAsOf(d.createdAt)}</time>
                </span>
              </span>
              <button
                type="button"
                className="button button-secondary"
                onClick={() => void removeDevice(d.id)}
                disabled={removing}
                aria-label={`Remove ${d.label}${d.id === thisDevice ? ' (this device)' : ''}`}
                data-testid={`push-device-remove-${d.id}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
