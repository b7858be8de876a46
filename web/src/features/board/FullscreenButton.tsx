'use client';

import { useEffect, useState } from 'react';

/** For wall displays: fills the screen (the browser still lets Esc leave). */
export function FullscreenButton() {
  const [supported, setSupported] = useState(false);
  const [active, setActive] = useState(false);

  useEffect(() => {
    setSupported(document.fullscreenEnabled);
    const onChange = () => setActive(document.fullscreenElement !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);

  if (!supported) return null;
  return (
    <button
      type="button"
      className="button button-secondary"
      onClick={() => void (active ? document.exitFullscreen() : document.documentElement.requestFullscreen())}
    >
      {active ? 'Leave full screen' : 'Full screen'}
    </button>
  );
}
