import { startEmbeddingsServer } from './server.js';

const port = Number(process.env.PORT ?? 8080);
const server = await startEmbeddingsServer(port).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
console.log(`embeddings: curl -s ${server.url}/v1/embeddings -d '{"input":["hello","world"]}'`);
console.log(`metrics:    curl -s ${server.url}/metrics`);
const stop = () => {
  server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
