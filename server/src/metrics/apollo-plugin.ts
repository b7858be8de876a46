/**
 * GraphQL over HTTP, timed from the request's start to the response being
 * sent, by operation type (`unknown` when the document never parsed or named
 * no operation). One timestamp per request and one histogram observation.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from './index.js';

export function graphqlDurationPlugin(metrics: Pick<Metrics, 'graphqlDuration'>): ApolloServerPlugin {
  return {
    requestDidStart() {
      const start = performance.now();
      return Promise.resolve({
        willSendResponse(rc) {
          metrics.graphqlDuration(rc.operation?.operation ?? 'unknown', 'http', (performance.now() - start) / 1000);
          return Promise.resolve();
        },
      });
    },
  };
}
