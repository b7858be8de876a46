/**
 * A camera for the browser under test: Chromium reads a Y4M file as its
 * webcam (`--use-file-for-fake-video-capture`), here one still frame showing
 * a QR code of a demo asset tag, so the app's own scanner (BarcodeScanner:
 * BarcodeDetector where the browser has it, else @zxing/browser) decodes a
 * real picture. Written once per run, before the browser starts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';

/** What the fake camera shows: a tag of the demo's register (server/src/demo/seed.ts). */
export const FAKE_CAMERA_TEXT = 'LT-0002';

const WIDTH = 640;
const HEIGHT = 480;

/** One 4:2:0 frame: the QR in black on white, centred, with a quiet zone. */
export function writeFakeCamera(text = FAKE_CAMERA_TEXT): string {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const scale = Math.floor(Math.min(WIDTH, HEIGHT) / (size + 8));
  const left = Math.floor((WIDTH - size * scale) / 2);
  const top = Math.floor((HEIGHT - size * scale) / 2);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 235);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      if (!qr.modules.get(y, x)) continue;
      for (let dy = 0; dy < scale; dy++)
        luma.fill(
          16,
          (top + y * scale + dy) * WIDTH + left + x * scale,
          (top + y * scale + dy) * WIDTH + left + (x + 1) * scale,
        );
    }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2) * 2, 128);
  const dir = join(tmpdir(), 'baylight-e2e-camera');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'camera.y4m');
  writeFileSync(
    file,
    Buffer.concat([Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma]),
  );
  return file;
}
