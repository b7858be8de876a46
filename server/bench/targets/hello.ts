/**
 * Bench baseline: a bare Apollo Server hello-world (startStandaloneServer,
 * defaults), the same Apollo version as Baylight. Prints one JSON line with
 * its URL and serves until stdin closes.
 */
import { createInterface } from 'node:readline';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const server = new ApolloServer({
  typeDefs: `type Query { hello: String }`,
  resolvers: { Query: { hello: () => 'world' } },
});
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
console.log(JSON.stringify({ url, pid: process.pid }));
const stop = async () => {
  await server.stop();
  process.exit(0);
};
createInterface({ input: process.stdin }).on('close', () => void stop());
process.on('SIGTERM', () => void stop());
