/** The executable schema: the hand-written contract plus each domain's resolvers. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { assetResolvers } from '../assets/resolvers.js';
import { handoutResolvers } from '../handouts/resolvers.js';
import { attemptResolvers } from '../attempts/resolvers.js';
import { auditResolvers } from '../audit/resolvers.js';
import { deviceResolvers } from '../devices/resolvers.js';
import { calendarResolvers } from '../handouts/calendar-resolvers.js';
import { notifyResolvers } from '../notify/resolvers.js';
import { parcelResolvers } from '../parcels/resolvers.js';
import type { Resolvers } from '../generated/graphql.js';
import { lockerResolvers } from '../lockers/resolvers.js';
import { peopleResolvers } from '../people/resolvers.js';
import { DateTime, EventKindName, EventSeq, SafeInt } from './scalars.js';

export const schemaPath = resolve(dirname(fileURLToPath(import.meta.url)), '../../../schema.graphql');

const unions: Resolvers = {
  SignInResult: { __resolveType: (r) => r.__typename },
  OpenCompartmentResult: { __resolveType: (r) => r.__typename },
  IntakeParcelResult: { __resolveType: (r) => r.__typename },
  PickupResult: { __resolveType: (r) => r.__typename },
  ParcelActionResult: { __resolveType: (r) => r.__typename },
  AssetResult: { __resolveType: (r) => r.__typename },
  LoanPolicyResult: { __resolveType: (r) => r.__typename },
  HandoutResult: { __resolveType: (r) => r.__typename },
  QueueResult: { __resolveType: (r) => r.__typename },
  AssetFaultResult: { __resolveType: (r) => r.__typename },
};

export function buildSchema() {
  return makeExecutableSchema({
    typeDefs: readFileSync(schemaPath, 'utf8'),
    resolvers: [
      { DateTime, SafeInt, EventSeq, EventKindName },
      unions,
      peopleResolvers,
      lockerResolvers,
      deviceResolvers,
      parcelResolvers,
      notifyResolvers,
      auditResolvers,
      attemptResolvers,
      assetResolvers,
      handoutResolvers,
      calendarResolvers,
    ] as never,
  });
}
