'use client';

import { useMemo } from 'react';
import { qrDataUrl } from './qr';

/** The pickup token as a QR image; the text alternative says what it is and where it works. */
export function PickupQr({ token, where }: { token: string; where: string }) {
  const src = useMemo(() => {
    try {
      return qrDataUrl(token);
    } catch {
      return null; // a token too long for a QR code: the keypad code still works
    }
  }, [token]);
  if (!src) return <p className="hint">The QR code cannot be shown; use the 8-digit code.</p>;
  return (
    // A data: URL SVG: next/image would add nothing here.
    <img
      src={src}
      width={208}
      height={208}
      alt={`Pickup QR code for ${where}. Hold it up to the locker's scanner.`}
      data-testid="pickup-qr"
      className="pickup-qr"
    />
  );
}
