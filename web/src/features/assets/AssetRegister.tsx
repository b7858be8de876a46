'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { useClient, useQuery } from 'urql';
import { BarcodeScanner } from '@/components/BarcodeScanner';
import { useSession } from '@/components/SessionProvider';
import type { AssetStatus } from '@/gql/graphql';
import { errorMessage } from '@/lib/errors';
import { hasRole, PAGE_ROLES } from '@/lib/roles';
import desk from '@/features/desk/desk.module.css';
import tables from '@/features/parcels/parcels.module.css';
import { AddAsset } from './AddAsset';
import { AssetDetails } from './AssetDetails';
import { AssetImport } from './AssetImport';
import { ASSET_STATUS_LABEL, exportFileName } from './describe';
import { AssetsCsvQuery, AssetsQuery } from './documents';

const STATUSES = Object.keys(ASSET_STATUS_LABEL) as AssetStatus[];

/** IT and ADMIN: the whole register, with adding, import and export. A department: the assets it owns. */
export function AssetRegister() {
  const { session } = useSession();
  const manages = hasRole(session?.person.role, PAGE_ROLES.assetsManage);
  const client = useClient();
  const [status, setStatus] = useState<AssetStatus | ''>('');
  const [text, setText] = useState('');
  const [search, setSearch] = useState('');
  const [exportNote, setExportNote] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [scanning, setScanning] = useState(false);
  /** A scanned tag opens its asset once the search has found it. */
  const [scannedTag, setScannedTag] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const scanHit = useRef(false);
  useEffect(() => {
    const timer = setTimeout(() => setSearch(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  const [result, reexecute] = useQuery({
    query: AssetsQuery,
    variables: { status: status || null, search: search || null, limit: 500 },
    requestPolicy: 'cache-and-network',
  });
  const refetch = useCallback(() => reexecute({ requestPolicy: 'network-only' }), [reexecute]);
  const assets = result.data?.assets;
  useEffect(() => {
    if (!scannedTag || !assets) return;
    const key = scannedTag.replace(/\s+/g, '').toUpperCase();
    const match = assets.find((a) => a.tag.replace(/\s+/g, '').toUpperCase() === key);
    if (match) {
      setOpenId(match.id);
      setScannedTag(null);
    }
  }, [scannedTag, assets]);

  const download = async () => {
    setExportNote('Preparing the file…');
    const answer = await client
      .query(AssetsCsvQuery, { status: status || null, search: search || null }, { requestPolicy: 'network-only' })
      .toPromise();
    if (answer.error || answer.data === undefined) {
      setExportNote(answer.error ? errorMessage(answer.error) : 'The export did not arrive. Try again.');
      return;
    }
    const url = URL.createObjectURL(new Blob([answer.data.assetsCsv], { type: 'text/csv;charset=utf-8' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = exportFileName(new Date());
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setExportNote(`Downloaded ${link.download}.`);
  };

  return (
    <div className={desk.page}>
      <h1 className={desk.title}>Assets</h1>
      <div className={desk.toolbar}>
        <div className="field">
          <label htmlFor="assets-search">Search</label>
          <input
            id="assets-search"
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="Tag, serial, model or notes"
            ref={searchRef}
            data-testid="assets-search"
          />
        </div>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => setScanning(true)}
          data-testid="assets-scan"
        >
          Scan a tag
        </button>
        <div className="field">
          <label htmlFor="assets-status">Status</label>
          <select id="assets-status" value={status} onChange={(e) => setStatus(e.target.value as AssetStatus | '')}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {ASSET_STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="button button-secondary"
          onClick={() => void download()}
          data-testid="assets-export"
        >
          Export CSV
        </button>
      </div>
      {exportNote && (
        <p className="hint" role="status" data-testid="assets-export-note">
          {exportNote}
        </p>
      )}
      {!assets ? (
        <p className={result.error ? 'error' : 'hint'} role={result.error ? 'alert' : 'status'}>
          {result.error ? errorMessage(result.error) : 'Loading…'}
        </p>
      ) : assets.length === 0 ? (
        <p className="panel" data-testid="assets-empty">
          {search || status ? 'No assets match.' : 'The register is empty.'}
          {manages && !search && !status ? ' Add an asset or import a CSV.' : ''}
        </p>
      ) : (
        <div className={tables.tableWrap}>
          <table className={tables.table} data-testid="assets-table">
            <caption className="visually-hidden">
              {assets.length === 500 ? 'The first 500 assets' : `${assets.length} assets`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col">Model</th>
                <th scope="col">Category</th>
                <th scope="col">Department</th>
                <th scope="col">Condition</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {assets.map((a) => (
                <tr key={a.id} data-testid={`asset-row-${a.tag}`} data-status={a.status}>
                  <td data-label="Tag" className={desk.mono}>
                    <span>
                      <button
                        type="button"
                        className="button-link"
                        aria-expanded={openId === a.id}
                        onClick={() => setOpenId(openId === a.id ? null : a.id)}
                        data-testid={`asset-open-${a.tag}`}
                      >
                        {a.tag}
                      </button>
                      {a.serial && (
                        <>
                          <br />
                          <span className={desk.muted}>S/N {a.serial}</span>
                        </>
                      )}
                    </span>
                  </td>
                  <td data-label="Model">
                    <span>{a.model}</span>
                  </td>
                  <td data-label="Category">
                    <span>{a.category}</span>
                  </td>
                  <td data-label="Department">
                    <span>{a.department ?? 'Central IT'}</span>
                  </td>
                  <td data-label="Condition">
                    <span>{a.condition.toLowerCase()}</span>
                  </td>
                  <td data-label="Status">
                    <span>{ASSET_STATUS_LABEL[a.status]}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {openId && (
        <AssetDetails key={openId} id={openId} manages={manages} onChanged={refetch} onClose={() => setOpenId(null)} />
      )}
      <BarcodeScanner
        open={scanning}
        title="Scan an asset tag"
        fallback="type the tag in the search"
        onClose={() => {
          setScanning(false);
          // Closed without a tag: back to the search. With one, its asset takes the focus when it opens.
          if (!scanHit.current) searchRef.current?.focus();
          scanHit.current = false;
        }}
        onResult={(tag) => {
          scanHit.current = true;
          setScanning(false);
          setText(tag);
          setScannedTag(tag);
        }}
      />
      {manages && <AddAsset onAdded={refetch} />}
      {manages && <AssetImport onImported={refetch} />}
    </div>
  );
}
