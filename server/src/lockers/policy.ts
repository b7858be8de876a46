/**
 * What each viewer may see of the lockers now lives with the role × operation
 * matrix (server/src/access/scope.ts); re-exported for code that imports it here.
 */
export { bankScope, canReadEvents, inScope, type BankScope } from '../access/scope.js';
