'use client';

/**
 * Camera scanning in a modal dialog. Uses the browser's BarcodeDetector where
 * there is one (Chrome on Android, ChromeOS, macOS), else @zxing/browser
 * (loaded only when needed). No camera, or permission denied: the dialog says
 * so and the person types the value instead.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { cameraProblem, cameraProblemText } from '@/lib/camera';

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options?: { formats?: string[] }): BarcodeDetectorLike;
  getSupportedFormats?: () => Promise<string[]>;
}

const TRACKING_FORMATS = [
  'code_128',
  'code_39',
  'code_93',
  'ean_13',
  'ean_8',
  'upc_a',
  'upc_e',
  'itf',
  'qr_code',
  'data_matrix',
  'pdf417',
];

interface Props {
  open: boolean;
  title: string;
  /** What the person can do instead, e.g. "type the tracking number". */
  fallback: string;
  /** Restrict to QR codes (kiosk pickup). */
  qrOnly?: boolean;
  onResult: (text: string) => void;
  onClose: () => void;
}

export function BarcodeScanner({ open, title, fallback, qrOnly = false, onResult, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState('Starting the camera…');
  const headingId = useId();
  const resultRef = useRef(onResult);
  useEffect(() => {
    resultRef.current = onResult;
  }, [onResult]);

  // Open and close the native modal with the prop; Esc and the close button call onClose.
  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) el.close();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopZxing: (() => void) | undefined;
    setProblem(null);
    setStatus('Starting the camera…');

    const finish = (text: string) => {
      if (stopped) return;
      stopped = true;
      resultRef.current(text.trim());
    };

    void (async () => {
      try {
        if (!navigator.mediaDevices?.getUserMedia)
          throw Object.assign(new Error('no mediaDevices'), { name: 'NotSupportedError' });
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: 'environment' } },
          audio: false,
        });
        if (stopped || !video.current) return;
        const el = video.current;
        el.srcObject = stream;
        // Not awaited: play() can stay pending until the first frame; detection simply retries until then.
        void el.play().catch(() => undefined);
        setStatus(qrOnly ? 'Hold the QR code in front of the camera.' : 'Point the camera at the barcode.');

        const Detector = (window as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
        if (Detector) {
          const supported = (await Detector.getSupportedFormats?.()) ?? [];
          const wanted = qrOnly ? ['qr_code'] : TRACKING_FORMATS;
          const formats = supported.length > 0 ? wanted.filter((f) => supported.includes(f)) : wanted;
          const detector = new Detector({ formats });
          const tick = async () => {
            if (stopped) return;
            try {
              const codes = await detector.detect(el);
              const first = codes.find((c) => c.rawValue);
              if (first) {
                finish(first.rawValue);
                return;
              }
            } catch {
              // A frame that could not be read: try the next one.
            }
            timer = setTimeout(() => void tick(), 200);
          };
          void tick();
        } else {
          const zxing = await import('@zxing/browser');
          if (stopped) return;
          const reader = qrOnly ? new zxing.BrowserQRCodeReader() : new zxing.BrowserMultiFormatReader();
          const controls = await reader.decodeFromStream(stream, el, (result) => {
            if (result) finish(result.getText());
          });
          stopZxing = () => controls.stop();
          if (stopped) stopZxing();
        }
      } catch (error) {
        if (!stopped) setProblem(cameraProblemText(cameraProblem(error), fallback));
      }
    })();

    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      stopZxing?.();
      stream?.getTracks().forEach((t) => t.stop());
      if (video.current) video.current.srcObject = null;
    };
  }, [open, qrOnly, fallback]);

  return (
    <dialog
      ref={dialog}
      className="dialog scanner"
      aria-labelledby={headingId}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      data-testid="scanner"
    >
      <h2 id={headingId} className="scanner-title">
        {title}
      </h2>
      {problem ? (
        <p className="error" role="alert" data-testid="scanner-problem">
          {problem}
        </p>
      ) : (
        <>
          <video ref={video} className="scanner-video" muted playsInline aria-hidden="true" />
          <p role="status" className="hint">
            {status}
          </p>
        </>
      )}
      <button type="button" className="button button-secondary" onClick={onClose} autoFocus>
        {problem ? 'Close' : 'Cancel'}
      </button>
    </dialog>
  );
}
