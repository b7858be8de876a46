import { useSearchParams } from 'next/navigation';

/** `?wall=1`: the kiosk view for a wall display. Callers sit inside a <Suspense> (static prerender). */
export function useWallMode(): boolean {
  const params = useSearchParams();
  const wall = params.get('wall');
  return wall === '1' || wall === 'true';
}
