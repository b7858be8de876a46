// Next's ambient types (CSS modules, images) without depending on next-env.d.ts,
// which only exists after `next dev`/`next build`: `tsc --noEmit` runs first on a clean clone.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
