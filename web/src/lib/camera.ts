/** Why the camera could not be used, in words that say what to do instead. */

export type CameraProblem = 'denied' | 'no-camera' | 'busy' | 'unsupported' | 'failed';

export function cameraProblem(error: unknown): CameraProblem {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'no-camera';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'busy';
    case 'NotSupportedError':
    case 'TypeError':
      return 'unsupported';
    default:
      return 'failed';
  }
}

export function cameraProblemText(problem: CameraProblem, fallback: string): string {
  switch (problem) {
    case 'denied':
      return `Camera access is blocked. Allow the camera for this site in the browser's settings, or ${fallback}.`;
    case 'no-camera':
      return `No camera was found on this device. Please ${fallback}.`;
    case 'busy':
      return `The camera is in use by another app or could not start. Close the other app and try again, or ${fallback}.`;
    case 'unsupported':
      return `This browser cannot use the camera here (it needs HTTPS). Please ${fallback}.`;
    default:
      return `The camera did not start. Please ${fallback}.`;
  }
}
