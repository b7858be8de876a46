/**
 * A QR code as an SVG string, drawn from the `qrcode` package's module matrix
 * (no canvas, so it renders the same on the server, in tests and offline).
 */
import QRCode from 'qrcode';

export interface QrSvgOptions {
  /** Quiet zone in modules; the standard asks for 4. */
  margin?: number;
  dark?: string;
  light?: string;
}

export function qrSvg(text: string, { margin = 4, dark = '#000', light = '#fff' }: QrSvgOptions = {}): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const total = size + margin * 2;
  let path = '';
  for (let row = 0; row < size; row++) {
    let run = 0;
    for (let col = 0; col <= size; col++) {
      const on = col < size && qr.modules.get(row, col) === 1;
      if (on) {
        run += 1;
      } else if (run > 0) {
        path += `M${col - run + margin} ${row + margin}h${run}v1h-${run}z`;
        run = 0;
      }
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${total} ${total}" shape-rendering="crispEdges">` +
    `<rect width="${total}" height="${total}" fill="${light}"/>` +
    `<path d="${path}" fill="${dark}"/></svg>`
  );
}

/** For an <img src>: works offline, needs no DOM parsing. */
export function qrDataUrl(text: string, options?: QrSvgOptions): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qrSvg(text, options))}`;
}
