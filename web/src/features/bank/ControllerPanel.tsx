import type { ReactNode } from 'react';
import type { ConnectionStatus } from '@/gql/graphql';
import { formatAsOf } from '@/features/board/describe';
import { Icon } from '@/components/Icon';
import {
  POWER_LABEL,
  capabilityText,
  clockText,
  formatDuration,
  isDeprecatedProtocol,
  protocolText,
  type ControllerInfo,
} from './describe';
import styles from './bank.module.css';

function Time({ iso, now }: { iso: string; now: number }) {
  return <time dateTime={iso}>{formatAsOf(iso, now)}</time>;
}

function Fact({ term, children, testId }: { term: string; children: ReactNode; testId?: string }) {
  return (
    <div className={styles.fact}>
      <dt>{term}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

const notStated = <span className={styles.muted}>not stated</span>;

/**
 * What the controller said about itself when it connected, how its clock
 * compares with the server's, and its last health report. Null until a
 * controller has connected (and on servers that do not report it yet).
 */
export function ControllerPanel({
  controller,
  bankStatus,
  stale,
  now,
}: {
  controller: ControllerInfo | null;
  bankStatus: ConnectionStatus;
  /** The page is not live: "connected" is what was last known. */
  stale: boolean;
  now: number;
}) {
  return (
    <section className={styles.section} aria-labelledby="controller-title" data-testid="controller-panel">
      <h2 id="controller-title" className={styles.sectionTitle}>
        Controller
      </h2>
      {!controller ? (
        <p className="panel" data-testid="controller-none">
          No controller has connected yet.
        </p>
      ) : (
        <ControllerFacts controller={controller} bankStatus={bankStatus} stale={stale} now={now} />
      )}
    </section>
  );
}

function ControllerFacts({
  controller: c,
  bankStatus,
  stale,
  now,
}: {
  controller: ControllerInfo;
  bankStatus: ConnectionStatus;
  stale: boolean;
  now: number;
}) {
  const deprecated = isDeprecatedProtocol(c.protocolVersion);
  const connected = !c.disconnectedAt && bankStatus === 'ONLINE';
  const health = c.health;
  return (
    <div className={styles.panelGrid}>
      <dl className={styles.facts}>
        <Fact term="Protocol" testId="controller-protocol">
          <span data-deprecated={deprecated || undefined} className={deprecated ? styles.warn : undefined}>
            {deprecated && <Icon name="alert" />} {protocolText(c.protocolVersion)}
          </span>
          {deprecated && (
            <span className={styles.factNote}>
              This controller states no protocol version. Update its firmware to version 2: version 1 will stop being
              accepted.
            </span>
          )}
        </Fact>
        <Fact term="Model" testId="controller-model">
          {c.model ?? notStated}
        </Fact>
        <Fact term="Serial number" testId="controller-serial">
          {c.serial ?? notStated}
        </Fact>
        <Fact term="Firmware" testId="controller-firmware">
          {c.firmware ?? notStated}
        </Fact>
        <Fact term="Capabilities" testId="controller-capabilities">
          {c.capabilities.length === 0 ? (
            <span className={styles.muted}>none stated</span>
          ) : (
            <ul className={styles.chips}>
              {c.capabilities.map((name) => (
                <li key={name}>{capabilityText(name)}</li>
              ))}
            </ul>
          )}
        </Fact>
        <Fact term="Connection" testId="controller-connection">
          {connected && c.connectedAt ? (
            <>
              {stale ? 'Last known: connected' : 'Connected'} since <Time iso={c.connectedAt} now={now} />
              {!stale && ` (${formatDuration((now - Date.parse(c.connectedAt)) / 1000)})`}
            </>
          ) : c.disconnectedAt ? (
            <>
              Disconnected at <Time iso={c.disconnectedAt} now={now} />
              {c.connectedAt && (
                <span className={styles.factNote}>
                  Its last connection began at <Time iso={c.connectedAt} now={now} />.
                </span>
              )}
            </>
          ) : c.connectedAt ? (
            <>
              Last connected at <Time iso={c.connectedAt} now={now} />
            </>
          ) : (
            notStated
          )}
        </Fact>
        <Fact term="Clock" testId="controller-clock">
          <span className={c.clockOffsetMs !== null && !c.clockTrusted ? styles.warn : undefined}>{clockText(c)}</span>
          {c.clockMeasuredAt && (
            <span className={styles.factNote}>
              Measured at <Time iso={c.clockMeasuredAt} now={now} />.
              {c.clockOffsetMs !== null &&
                !c.clockTrusted &&
                ' Event times are moved by this offset; fix the controller’s time source (NTP).'}
            </span>
          )}
        </Fact>
      </dl>

      <div className={styles.health} data-testid="controller-health">
        <h3 className={styles.subTitle}>Last health report</h3>
        {!health ? (
          <p className={styles.muted}>
            {c.capabilities.includes('HEALTH_REPORT')
              ? 'No health report yet.'
              : 'No health report: this controller does not send them.'}
          </p>
        ) : (
          <dl className={styles.facts}>
            <Fact term="Received" testId="health-received">
              <Time iso={health.receivedAt} now={now} />
            </Fact>
            <Fact term="Uptime" testId="health-uptime">
              {health.uptimeSeconds !== null ? formatDuration(health.uptimeSeconds) : notStated}
            </Fact>
            <Fact term="Journal (events not yet sent)" testId="health-journal">
              {health.outboxDepth !== null ? health.outboxDepth : notStated}
            </Fact>
            <Fact term="Signal" testId="health-signal">
              {health.signalDbm !== null ? `${health.signalDbm} dBm` : notStated}
            </Fact>
            <Fact term="Power" testId="health-power">
              {health.power ? (
                <span className={health.power === 'BATTERY' ? styles.warn : undefined}>
                  {POWER_LABEL[health.power]}
                </span>
              ) : (
                notStated
              )}
            </Fact>
            <Fact term="Battery" testId="health-battery">
              {health.batteryPercent !== null ? `${health.batteryPercent} %` : notStated}
            </Fact>
            <Fact term="Temperature" testId="health-temperature">
              {health.temperatureC !== null ? `${health.temperatureC.toFixed(1)} °C` : notStated}
            </Fact>
            {health.firmware && health.firmware !== c.firmware && (
              <Fact term="Firmware (reported in health)" testId="health-firmware">
                {health.firmware}
              </Fact>
            )}
          </dl>
        )}
      </div>
    </div>
  );
}
