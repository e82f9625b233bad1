import { startRerankerServer } from './server.js';

const port = Number(process.env.PORT ?? 8080);
const server = await startRerankerServer({ port }).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
console.log(
  `rerank:  curl -s ${server.url}/rerank -d '{"query":"fast cars","documents":["a red sports car","a slow boat"]}'`,
);
console.log(`metrics: curl -s ${server.url}/metrics`);
console.log(`load:    pnpm load --url ${server.url}`);
const stop = () => {
  server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
