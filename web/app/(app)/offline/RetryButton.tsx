'use client';

export function RetryButton() {
  return (
    <button type="button" className="button" onClick={() => window.location.reload()}>
      Try again
    </button>
  );
}
