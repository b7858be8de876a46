// Draws the app icons as PNGs with nothing but node (zlib for the PNG stream),
// so no network or image tool is needed. Run: npm run icons -w web
// The motif: a 2×2 locker grid, one door lit amber, on the brand navy.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'public', 'icons');

const NAVY = [0x0b, 0x3a, 0x5b];
const WHITE = [0xff, 0xff, 0xff];
const AMBER = [0xf5, 0x9e, 0x0b];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Is (x, y) inside a rounded rectangle? Coordinates in units of the icon (0..1). */
function inRoundRect(x, y, left, top, width, height, radius) {
  if (x < left || y < top || x > left + width || y > top + height) return false;
  const cx = Math.min(Math.max(x, left + radius), left + width - radius);
  const cy = Math.min(Math.max(y, top + radius), top + height - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

/**
 * Colour at a point. `inset` shrinks the motif towards the centre (maskable
 * icons keep it inside the 80% safe zone); `rounded` clips the background.
 */
function sample(x, y, { rounded, inset }) {
  if (rounded && !inRoundRect(x, y, 0, 0, 1, 1, 0.2)) return null;
  const s = 1 - 2 * inset;
  const u = (x - inset) / s;
  const v = (y - inset) / s;
  const door = 0.3;
  const gap = 0.08;
  const start = (1 - (2 * door + gap)) / 2;
  const cells = [
    [start, start, WHITE],
    [start + door + gap, start, WHITE],
    [start, start + door + gap, WHITE],
    [start + door + gap, start + door + gap, AMBER],
  ];
  for (const [left, top, colour] of cells) {
    if (inRoundRect(u, v, left, top, door, door, 0.05)) {
      // A small handle on each door, so the squares read as lockers.
      const handle = inRoundRect(u, v, left + door * 0.72, top + door * 0.4, door * 0.1, door * 0.22, 0.01);
      return handle ? NAVY : colour;
    }
  }
  return NAVY;
}

function draw(size, options) {
  const rgba = Buffer.alloc(size * size * 4);
  const n = 4; // 4×4 supersampling for smooth edges
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const colour = sample((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, options);
          if (!colour) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          a += 1;
        }
      }
      const i = (py * size + px) * 4;
      rgba[i] = a ? Math.round(r / a) : 0;
      rgba[i + 1] = a ? Math.round(g / a) : 0;
      rgba[i + 2] = a ? Math.round(b / a) : 0;
      rgba[i + 3] = Math.round((a / (n * n)) * 255);
    }
  }
  return encodePng(size, rgba);
}

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <rect width="100" height="100" rx="20" fill="#0b3a5b"/>
  <g fill="#fff">
    <rect x="16" y="16" width="30" height="30" rx="5"/>
    <rect x="54" y="16" width="30" height="30" rx="5"/>
    <rect x="16" y="54" width="30" height="30" rx="5"/>
  </g>
  <rect x="54" y="54" width="30" height="30" rx="5" fill="#f59e0b"/>
  <g fill="#0b3a5b">
    <rect x="37.6" y="28" width="3" height="6.6" rx="1"/>
    <rect x="75.6" y="28" width="3" height="6.6" rx="1"/>
    <rect x="37.6" y="66" width="3" height="6.6" rx="1"/>
    <rect x="75.6" y="66" width="3" height="6.6" rx="1"/>
  </g>
</svg>
`;

const icons = [
  ['icon-192.png', 192, { rounded: true, inset: 0 }],
  ['icon-512.png', 512, { rounded: true, inset: 0 }],
  ['maskable-192.png', 192, { rounded: false, inset: 0.12 }],
  ['maskable-512.png', 512, { rounded: false, inset: 0.12 }],
  ['apple-touch-icon.png', 180, { rounded: false, inset: 0.06 }],
];

await mkdir(outDir, { recursive: true });
for (const [name, size, options] of icons) {
  await writeFile(path.join(outDir, name), draw(size, options));
  console.log(`icons: ${name} (${size}×${size})`);
}
await writeFile(path.join(outDir, 'icon.svg'), SVG);
console.log('icons: icon.svg');
